"""System checks that keep private files private whatever the environment sets.

Registered from `CoreConfig.ready()`; `manage.py check` (and `check --deploy` in the deploy
pipeline) fails when a private file could end up under a public URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

PRIVATE_S3_BACKEND = "apps.core.storage.TenantPrivateS3Storage"
PRIVATE_FS_BACKEND = "apps.core.storage.TenantPrivateFileSystemStorage"


@register(Tags.security)
def private_storage_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = settings.STORAGES.get("private", {}).get("BACKEND", "")
    if backend not in (PRIVATE_S3_BACKEND, PRIVATE_FS_BACKEND):
        return [
            Error(
                "STORAGES['private'] must be TenantPrivateFileSystemStorage or TenantPrivateS3Storage.",
                hint="Import uploads, exports and invoices are stored there; any other storage may publish them.",
                id="core.E001",
            )
        ]
    if backend == PRIVATE_S3_BACKEND:
        bucket = getattr(settings, "AWS_PRIVATE_STORAGE_BUCKET_NAME", None)
        if not bucket or bucket == getattr(settings, "AWS_STORAGE_BUCKET_NAME", None):
            return [
                Error(
                    "AWS_PRIVATE_STORAGE_BUCKET_NAME must name a bucket of its own, not the public media bucket.",
                    id="core.E002",
                )
            ]
        return []
    media_root = Path(settings.MEDIA_ROOT).resolve()
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    if private_root.is_relative_to(media_root):
        return [
            Error(
                "PRIVATE_MEDIA_ROOT is inside MEDIA_ROOT, whose files are served under MEDIA_URL.",
                hint="Point PRIVATE_MEDIA_ROOT at a directory outside MEDIA_ROOT.",
                id="core.E003",
            )
        ]
    return []
