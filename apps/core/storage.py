"""Media storages that put each store's files under its own prefix, resolved on every call."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django_tenants.files.storage import TenantFileSystemStorage as _TenantFileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import setting

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


class TenantPrivateS3Storage(TenantS3Storage):
    """`s3://<AWS_PRIVATE_STORAGE_BUCKET_NAME>/<schema>/...`: a bucket of its own, objects with a
    private ACL, reachable only through pre-signed URLs that expire after
    `AWS_PRIVATE_QUERYSTRING_EXPIRE` seconds (60 by default). A name that climbs out of the
    store's prefix (`../store_b/...`, an absolute path) raises SuspiciousOperation, as on the
    public storage."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults: dict[str, Any] = super().get_default_settings()
        defaults.update(
            bucket_name=setting("AWS_PRIVATE_STORAGE_BUCKET_NAME"),
            default_acl="private",
            querystring_auth=True,
            querystring_expire=setting("AWS_PRIVATE_QUERYSTRING_EXPIRE", 60),
            # A custom domain (a CDN in front of the public bucket) would hand out unsigned URLs.
            custom_domain=None,
            file_overwrite=False,
            # SigV4 URLs carry their lifetime (X-Amz-Expires); botocore may presign SigV2 otherwise.
            signature_version=setting("AWS_S3_SIGNATURE_VERSION") or "s3v4",
        )
        return defaults

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Fail closed: any of these would make a private object readable without a signature.
        if not self.bucket_name:
            raise ImproperlyConfigured("TenantPrivateS3Storage needs AWS_PRIVATE_STORAGE_BUCKET_NAME.")
        if self.bucket_name == getattr(settings, "AWS_STORAGE_BUCKET_NAME", None):
            raise ImproperlyConfigured(
                "AWS_PRIVATE_STORAGE_BUCKET_NAME must name a bucket of its own, not the public media bucket."
            )
        if not self.querystring_auth or self.custom_domain or self.default_acl != "private":
            raise ImproperlyConfigured(
                "TenantPrivateS3Storage keeps querystring_auth on, no custom_domain and the private ACL."
            )


def private_storage() -> Storage:
    """The storage for files that are never public (import uploads, exports, invoices):
    `STORAGES["private"]`. Use it as `FileField(storage=private_storage)`; serve such files only
    through a permission-checked view (or a short-lived pre-signed URL on S3)."""
    return storages["private"]
