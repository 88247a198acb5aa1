from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from apps.payments.testing.fixtures import fake_stripe  # noqa: F401 (fixture)
from tests.fixtures import StoreWorld


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha's schema (rolled back like any `db` test)."""
    with schema_context(alpha.tenant.schema_name):
        yield alpha


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Labels and photos land in a directory of this test's own."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
