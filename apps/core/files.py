"""Handing files out: a store's public media from local disk, and private files to staff only.

`media_file_path` decides which file a `/media/<schema>/<path>` URL names (development and tests;
S3 serves media in production). It answers only with a regular file inside
`MEDIA_ROOT/<current schema>/` after decoding, normalising and resolving symlinks, and never one
under `PRIVATE_MEDIA_ROOT`; anything that tries to leave the prefix is refused.

`private_file_response` is the one way a private file (`apps.core.storage.private_storage`:
import uploads, exports, invoices) reaches a browser: it checks the staff user's permission in
the current store, then streams the file from the private filesystem storage or redirects to a
pre-signed URL of the private bucket that expires within a minute. Names are always relative to
the current store's prefix, so a store can never name another store's file.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import unicodedata
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm, user_has_permission
from apps.core.storage import private_storage
from apps.core.tenancy import current_schema

logger = logging.getLogger(__name__)

# Percent-decoding rounds tried on a media path: a path that only turns into a traversal after
# a second or third decoding (`%252e%252e%252f`) is refused, whatever decodes it later.
_DECODING_ROUNDS = 3


class MediaPathRefused(SuspiciousFileOperation):
    """A media URL whose path could leave the store's prefix: answered with 400 and logged on
    the `django.security` logger like every SuspiciousOperation."""


# ------------------------------------------------------------------------------
# Local media
# ------------------------------------------------------------------------------
def _path_is_unsafe(path: str) -> bool:
    """True when a (decoded) relative path could name anything but a file below its root."""
    if not path or path.startswith("/") or "\\" in path:
        return True
    if any(unicodedata.category(char).startswith("C") for char in path):
        # NUL, other control characters, bidi overrides and zero-width characters.
        return True
    return any(part in ("", ".", "..") for part in path.split("/"))


def _decodings(path: str) -> list[str]:
    """The path as given, then percent-decoded again and again (double and triple encoding),
    each also in Unicode NFKC form (fullwidth dots and slashes fold to `.` and `/`)."""
    variants = [path]
    current = path
    for _ in range(_DECODING_ROUNDS):
        if "%" not in current:
            break
        raw = unquote_to_bytes(current)
        try:
            raw.decode("utf-8")  # strict: overlong forms such as %c0%ae are not UTF-8
        except UnicodeDecodeError as exc:
            raise MediaPathRefused("media path is not valid UTF-8 once decoded") from exc
        current = unquote(current)
        variants.append(current)
    return variants + [unicodedata.normalize("NFKC", variant) for variant in variants]


def media_file_path(*, schema: str, path: str) -> Path:
    """The file that `/media/<schema>/<path>` names on this store's host.

    Raises `Http404` for another store's prefix, a missing file, a directory or a symlink that
    resolves outside `MEDIA_ROOT/<current schema>/` (or into `PRIVATE_MEDIA_ROOT`), and
    `MediaPathRefused` (400) for a path that is malformed or tries to climb out after decoding.
    """
    if schema != current_schema():
        raise Http404("Not this store's file.")
    if any(_path_is_unsafe(variant) for variant in _decodings(path)):
        raise MediaPathRefused("media path leaves the store's prefix")

    root = Path(settings.MEDIA_ROOT, schema).resolve()
    target = (root / path).resolve()
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    if not target.is_relative_to(root) or target.is_relative_to(private_root):
        logger.warning("media path resolves outside the store's prefix", extra={"media_path": path})
        raise Http404("Not this store's file.")
    if not target.is_file():
        raise Http404("No such file.")
    return target


# ------------------------------------------------------------------------------
# Private files
# ------------------------------------------------------------------------------
def _attachment_filename(filename: str) -> str:
    """The download's name without directories or control characters (no header injection)."""
    cleaned = "".join(char for char in filename if not unicodedata.category(char).startswith("C"))
    cleaned = os.path.basename(cleaned.replace("\\", "/")).strip()
    if not cleaned or cleaned in (".", ".."):
        raise ValueError(f"unusable download filename {filename!r}")
    return cleaned


def _private_headers(response: HttpResponseBase) -> HttpResponseBase:
    # Neither the file nor a redirect carrying a signed URL may sit in any cache.
    add_never_cache_headers(response)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def private_file_response(
    request: HttpRequest,
    *,
    name: str,
    filename: str,
    permission: Perm | str,
    storage: Storage | None = None,
) -> HttpResponseBase:
    """Hand the current store's private file `name` to the signed-in staff user as the download
    `filename`, if their role has `permission`.

    Signed-out visitors go to sign-in and a role without the permission gets the 403 page, as
    for `permission_required` views. On the filesystem storage the file is streamed as an
    attachment; on S3 the answer is a redirect to a pre-signed URL of the private bucket (valid
    `querystring_expire` seconds) that makes S3 send the same attachment headers. A missing file
    is a 404; a name that climbs out of the store's prefix is a 400 (SuspiciousOperation).
    `storage` defaults to `STORAGES["private"]`.
    """
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user_has_permission(user, permission):
        return render(request, FORBIDDEN_TEMPLATE, {"permission": permission}, status=403)
    if not name:
        raise Http404("No such file.")

    storage = storage if storage is not None else private_storage()
    download_name = _attachment_filename(filename)
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"

    response: HttpResponseBase
    if isinstance(storage, S3Storage):
        if not storage.exists(name):
            raise Http404("No such file.")
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, download_name),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
        )
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise Http404("No such file.") from exc
        response = FileResponse(handle, as_attachment=True, filename=download_name, content_type=content_type)
    logger.info(
        "private file handed out",
        extra={"private_file": name, "user_id": user.pk, "permission": str(permission)},
    )
    return _private_headers(response)
