"""Media storages that put each store's files under its own prefix, resolved on every call."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django_tenants.files.storage import TenantFileSystemStorage as _TenantFileSystemStorage
from storages.backends.s3 import S3Storage

from apps.core.tenancy import current_schema


class TenantFileSystemStorage(_TenantFileSystemStorage):
    """`MEDIA_ROOT/<schema>/...` on disk, served at `MEDIA_URL<schema>/...`
    (MULTITENANT_RELATIVE_MEDIA_ROOT = "%s")."""


class TenantS3Storage(S3Storage):
    """`s3://<bucket>/<schema>/...`: the prefix is read from the connection on each call,
    so one storage instance serves every store and a task writes into its own store."""

    @property  # type: ignore[override]
    def location(self) -> str:
        return current_schema()

    @location.setter
    def location(self, value: str) -> None:
        # S3Storage assigns its configured location in __init__; the schema decides instead.
        pass


class TenantPrivateFileSystemStorage(FileSystemStorage):
    """`PRIVATE_MEDIA_ROOT/<schema>/...` on disk, outside MEDIA_ROOT and with no URL: files are
    handed out only by a view that checked the permission."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return os.path.join(str(settings.PRIVATE_MEDIA_ROOT), current_schema())

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them through a permission-checked view")


def private_storage() -> Storage:
    """The storage for files that are never public (import uploads, exports, invoices):
    `STORAGES["private"]`. Use it as `FileField(storage=private_storage)`; serve such files only
    through a permission-checked view (or a short-lived pre-signed URL on S3)."""
    return storages["private"]
