from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import tenant_context

from apps.sourcing.tests.fakes import FakeSupplier, fake_supplier_server
from tests.fixtures import StoreWorld


@pytest.fixture
def fake() -> Iterator[FakeSupplier]:
    """A fake supplier (feeds, images, the dropship API) listening on 127.0.0.1."""
    with fake_supplier_server() as server:
        yield server


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha (rolled back like any `db` test)."""
    with tenant_context(alpha.tenant):
        yield alpha
