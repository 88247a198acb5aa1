"""Media storages that put each store's files under its own prefix, resolved on every call."""

from __future__ import annotations

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
