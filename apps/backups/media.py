"""A store's media as files: its public prefix (`STORAGES["default"]`) and its private one
(`STORAGES["private"]`), walked and written through the storage API, so the same code reads a
local `MEDIA_ROOT/<schema>/` and an S3 bucket's `<schema>/` prefix.

Every call runs in the store's schema (the storages resolve the prefix from the connection).
The store's own "download my store" archives (private `store-exports/`) are never part of an
archive: each export would otherwise contain all the ones before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from django.core.files import File
from django.core.files.storage import Storage, storages

# (alias in the archive, STORAGES key)
MEDIA_STORAGES = (("public", "default"), ("private", "private"))
EXPORTS_DIR = "store-exports"
_EXCLUDED = {"private": (EXPORTS_DIR + "/",)}


def media_storage(area: str) -> Storage:
    return storages[dict(MEDIA_STORAGES)[area]]


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}{name}"
    for directory in sorted(directories):
        yield from _walk(storage, f"{path}{directory}/")


def media_files(area: str) -> list[str]:
    """The current store's file names in `area` ("public" or "private"), sorted."""
    excluded = _EXCLUDED.get(area, ())
    return sorted(name for name in _walk(media_storage(area)) if not name.startswith(excluded))


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def file_sha256(handle: Readable) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(1 << 16):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def media_file_write(area: str, name: str, source: BinaryIO) -> None:
    """Put `source` at exactly `name` in the current store's `area`, replacing a file there."""
    storage = media_storage(area)
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, File(source, name=name))
    if saved != name:  # pragma: no cover - a storage that renamed despite the delete
        storage.delete(saved)
        raise OSError(f"storage saved {name!r} as {saved!r}")


def media_file_delete(area: str, name: str) -> None:
    media_storage(area).delete(name)
