"""Fixtures of the backups tests: media on S3 (a local moto server, public and private buckets)
or on a throwaway local folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import moto_s3

BUCKET = "backups-media"
PRIVATE_BUCKET = "backups-private"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[tuple[str, Any]]:
    with moto_s3(BUCKET, PRIVATE_BUCKET) as server:
        yield server


@pytest.fixture
def s3_media(settings: Any, s3_server: tuple[str, Any]) -> Any:
    """STORAGES as in production (apps.core.storage's S3 classes), against moto."""
    endpoint, client = s3_server
    options = {
        "endpoint_url": endpoint,
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
    }
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "apps.core.storage.TenantS3Storage",
            "OPTIONS": {**options, "bucket_name": BUCKET},
        },
        "private": {
            "BACKEND": "apps.core.storage.TenantPrivateS3Storage",
            "OPTIONS": {**options, "bucket_name": PRIVATE_BUCKET},
        },
    }
    return client


@pytest.fixture
def local_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    return tmp_path
