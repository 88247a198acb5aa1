"""Kept answers of list endpoints whose data has a version token (`/api/v1/products`).

A list's answer is kept as the bytes sent, with the token of the data it was read from. The
view asks for it only once the request has passed authentication, the scope check and the
throttle (DRF runs those before the handler), so a kept answer is only ever served to a caller
allowed to read it, counted like any other request. One round trip reads both the data's
current token and the kept answer; the answer is served only when the two tokens match, so a
write that changes the token retires every kept answer of the store at once. Only 200s of GETs
are kept: a refused filter or page is worked out, and answered, every time.

The entry's key names the store (the tenant's id, on top of the schema the cache's
KEY_FUNCTION prefixes), the path (with the API version), the query string with its
parameters sorted, and the time zone timestamps are written in. Entries expire after
`ANSWER_CACHE_SECONDS` whatever the token: signed media URLs in an answer stay young, and a
write that bypassed the token is seen within that time.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

logger = logging.getLogger(__name__)

ANSWER_CACHE_SECONDS = 60
ANSWER_KEY_PREFIX = "api-answer"


def _answer_key(request: Request) -> str:
    tenant = getattr(request._request, "tenant", None)
    query = urlencode(sorted((name, value) for name, values in request.GET.lists() for value in values))
    vary = "\x1f".join(
        (str(getattr(tenant, "pk", "")), request.path, timezone.get_current_timezone_name(), query)
    )
    return f"{ANSWER_KEY_PREFIX}:{hashlib.blake2b(vary.encode(), digest_size=16).hexdigest()}"


def answer_cached(request: Request, *, version_key: str) -> tuple[HttpResponse | None, str | None]:
    """(the kept answer to this GET when it was read from the data's current version, else
    None; the current version token, None when the data has none yet)."""
    if request.method != "GET":
        return None, None
    key = _answer_key(request)
    try:
        found = cache.get_many([version_key, key])
    except Exception:  # a cache that cannot be reached costs speed, not the answer
        logger.warning("answer cache unreadable", exc_info=True)
        return None, None
    version = found.get(version_key)
    if not isinstance(version, str):
        return None, None
    kept = found.get(key)
    if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == version:
        _version, content_type, content = kept
        return HttpResponse(content, content_type=content_type), version
    return None, version


def answer_keep(request: Request, response: Response, *, version: str) -> Response:
    """Keep `response` (a 200 to a GET) once rendered, under `version`, the data's token read
    before the data was: a write committed meanwhile has changed the token since."""
    if request.method != "GET" or response.status_code != 200:
        return response
    key = _answer_key(request)

    def keep(rendered: Any) -> None:
        try:
            cache.set(key, (version, rendered["Content-Type"], rendered.content), ANSWER_CACHE_SECONDS)
        except Exception:
            logger.warning("answer cache unwritable", exc_info=True)

    response.add_post_render_callback(keep)
    return response
