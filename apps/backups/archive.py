"""The archive of one store: a gzipped tar holding

    manifest.json             format and version, the store, its schema's applied migrations,
                              per table its columns, row count and SHA-256 of its COPY text,
                              its sequences (and the column each belongs to), per media file
                              its size and SHA-256
    data/<table>.copy         the table's rows as PostgreSQL COPY text, in primary-key order
    media/public/<path>       the store's public media prefix
    media/private/<path>      the store's private media prefix (import uploads, invoices, ...)
    manifest.sig              HMAC-SHA256 of manifest.json under this platform's SECRET_KEY

`archive_open` unpacks an archive into a directory and checks it before anything reads it: the
manifest must carry this platform's signature (so an archive a merchant downloaded, edited and
re-checksummed is refused unless staff pass `trust_unsigned`), and every file must match the
manifest: a file changed, missing or added is refused, naming the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from apps.backups.errors import BackupError, BackupErrorCode
from apps.backups.media import MEDIA_STORAGES, file_sha256

ARCHIVE_FORMAT = "commerce-store-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_SIGNING_SALT = "apps.backups.archive.manifest"
_TABLE_NAME = re.compile(r"^[a-z0-9_]{1,63}$")


def data_path(root: Path, table: str) -> Path:
    if not _TABLE_NAME.match(table):
        raise BackupError(
            _("The archive names a table “%(table)s” that no store has.") % {"table": table},
            code=BackupErrorCode.ARCHIVE_UNREADABLE,
            params={"table": table},
        )
    return root / "data" / f"{table}.copy"


def media_path(root: Path, area: str, name: str) -> Path:
    return root / "media" / area / name


def manifest_signature(data: bytes, *, secret: str | None = None) -> str:
    return salted_hmac(_SIGNING_SALT, data, secret=secret, algorithm="sha256").hexdigest()


def _signed_here(data: bytes, signature: str) -> bool:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(signature, manifest_signature(data, secret=secret)) for secret in secrets
    )


def archive_write(root: Path, manifest: dict[str, Any], destination: Path) -> int:
    """Pack `root` (data/ and media/ written by the export) with `manifest` into `destination`;
    returns the archive's size. Written next to it first, so a reader never sees half a file."""
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    (root / MANIFEST).write_bytes(data)
    (root / SIGNATURE).write_text(manifest_signature(data), encoding="ascii")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(root / MANIFEST, arcname=MANIFEST)
        tar.add(root / SIGNATURE, arcname=SIGNATURE)
        for folder in ("data", "media"):
            if (root / folder).exists():
                for path in sorted((root / folder).rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(root)))
    partial.replace(destination)
    return destination.stat().st_size


def _refuse(message: str, code: BackupErrorCode, **params: Any) -> BackupError:
    return BackupError(message, code=code, params=params)


def archive_open(archive: Path, root: Path, *, trust_unsigned: bool = False) -> dict[str, Any]:
    """Unpack `archive` into `root` and return its manifest once it and every file check out."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # The "data" filter refuses absolute names, `..`, links out of `root` and devices.
            tar.extractall(root, filter="data")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise _refuse(
            _("%(archive)s is not a store archive that can be read (%(reason)s).")
            % {"archive": archive, "reason": exc},
            BackupErrorCode.ARCHIVE_UNREADABLE,
            archive=str(archive),
        ) from exc
    try:
        data = (root / MANIFEST).read_bytes()
        manifest: dict[str, Any] = json.loads(data)
    except (OSError, ValueError) as exc:
        raise _refuse(
            _("%(archive)s has no readable manifest.json.") % {"archive": archive},
            BackupErrorCode.ARCHIVE_UNREADABLE,
            archive=str(archive),
        ) from exc
    if manifest.get("format") != ARCHIVE_FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise _refuse(
            _("The archive is in format %(found)s; this release reads %(expected)s.")
            % {
                "found": f"{manifest.get('format')} v{manifest.get('format_version')}",
                "expected": f"{ARCHIVE_FORMAT} v{FORMAT_VERSION}",
            },
            BackupErrorCode.FORMAT_UNSUPPORTED,
            found=manifest.get("format_version"),
        )
    signature = (root / SIGNATURE).read_text(encoding="ascii").strip() if (root / SIGNATURE).is_file() else ""
    if not trust_unsigned and not _signed_here(data, signature):
        raise _refuse(
            _(
                "The archive's manifest does not carry this platform's signature: it was changed, or "
                "made by another platform. Restore it only if you trust where it came from "
                "(--trust-unsigned)."
            ),
            BackupErrorCode.SIGNATURE_INVALID,
        )
    _files_check(root, manifest)
    return manifest


def _mismatch(name: str) -> BackupError:
    return _refuse(
        _("The archive's file %(file)s does not match its checksum in the manifest: it was changed or cut.")
        % {"file": name},
        BackupErrorCode.CHECKSUM_MISMATCH,
        file=name,
    )


def _sha256_and_lines(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def _files_check(root: Path, manifest: dict[str, Any]) -> None:
    expected: set[Path] = {root / MANIFEST, root / SIGNATURE}
    for table, entry in sorted(manifest["tables"].items()):
        path = data_path(root, table)
        expected.add(path)
        if not path.is_file():
            raise _mismatch(f"data/{table}.copy")
        sha, rows = _sha256_and_lines(path)
        if sha != entry["sha256"] or rows != entry["rows"]:
            raise _mismatch(f"data/{table}.copy")
    for area, _storage in MEDIA_STORAGES:
        for name, entry in sorted(manifest["media"].get(area, {}).items()):
            path = media_path(root, area, name)
            expected.add(path)
            if not path.is_file():
                raise _mismatch(f"media/{area}/{name}")
            with path.open("rb") as handle:
                sha, size = file_sha256(handle)
            if sha != entry["sha256"] or size != entry["size"]:
                raise _mismatch(f"media/{area}/{name}")
    extra = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p not in expected)
    if extra:
        raise _refuse(
            _("The archive holds %(file)s, which its manifest does not list.") % {"file": extra[0]},
            BackupErrorCode.CHECKSUM_MISMATCH,
            file=extra[0],
        )
