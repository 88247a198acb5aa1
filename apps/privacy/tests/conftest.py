from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import tenant_context

from tests.fixtures import StoreWorld


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha (rolled back like any `db` test)."""
    with tenant_context(alpha.tenant):
        yield alpha
