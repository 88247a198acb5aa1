from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from tests.fixtures import StoreWorld


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha's schema (rolled back like any `db` test)."""
    with schema_context(alpha.tenant.schema_name):
        yield alpha


@pytest.fixture(autouse=True)
def _empty_visit_buffer() -> Iterator[None]:
    """Records a page of an earlier test left in this process's buffer are not this test's."""
    from apps.analytics import recording

    recording._buffer.clear()
    yield
    recording._buffer.clear()
