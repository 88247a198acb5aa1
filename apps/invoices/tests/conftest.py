from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.fixtures import StoreWorld


@pytest.fixture(autouse=True)
def roots(settings, tmp_path) -> tuple[Path, Path]:
    """Public media and private files in folders of this test, to see what lands where."""
    media, private = tmp_path / "media", tmp_path / "private"
    media.mkdir()
    private.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.PRIVATE_MEDIA_ROOT = str(private)
    return media, private


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha's schema (rolled back like any `db` test)."""
    with schema_context(alpha.tenant.schema_name):
        yield alpha
