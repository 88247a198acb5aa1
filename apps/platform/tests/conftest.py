from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from apps.platform.services import store_create
from apps.tenants.models import Tenant
from apps.tenants.services import store_provision
from tests.fixtures import StoreWorld


@pytest.fixture
def alpha_second_store(alpha: StoreWorld) -> Iterator[Tenant]:
    """A second, provisioned store of alpha's merchant (rolled back with the test)."""
    tenant = store_create(
        merchant=alpha.merchant, name="Store Alpha Two", subdomain="alpha-two", created_by=alpha.owner
    )
    store_provision(tenant_id=tenant.pk)
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    try:
        yield tenant
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            # Rows written in this transaction (deferred FK checks) must not block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
