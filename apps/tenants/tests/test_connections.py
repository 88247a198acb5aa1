"""A web connection is closed once it has served more stores than TENANT_CONNECTION_MAX_SCHEMAS,
bounding the catalog caches its PostgreSQL backend keeps per schema (benchmarks/bench_scale.py
measures them). The test transaction of a `db` test would keep the connection open (a
connection is never closed inside an atomic block), so these tests run outside one and only
read: each request is `robots.txt` of a shared store, its host looked up in the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.tenants.connections import schemas_served
from apps.tenants.routing import routing_cache_clear


@pytest.fixture
def outside_transaction(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        connection.close()
        yield
        connection.close()


def _robots(slug: str) -> None:
    routing_cache_clear()  # so every request reads its store from the database
    response = Client(HTTP_HOST=f"{slug}.{settings.PLATFORM_DOMAIN}").get("/robots.txt")
    assert response.status_code == 200


def test_a_connection_that_served_more_stores_than_the_bound_is_closed(
    outside_transaction: None, settings: Any
) -> None:
    settings.TENANT_CONNECTION_MAX_SCHEMAS = 1
    _robots("alpha")
    first = connection.connection
    assert first is not None
    assert schemas_served() == 1
    _robots("alpha")  # the same store again: still one
    assert connection.connection is first

    _robots("beta")
    assert connection.connection is None  # closed when beta's request finished

    _robots("beta")  # the next request opens a fresh connection, which starts counting anew
    assert connection.connection is not None and connection.connection is not first
    assert schemas_served() == 1


@pytest.mark.parametrize("limit", [0, 2])
def test_a_connection_within_the_bound_or_with_the_bound_off_is_kept(
    outside_transaction: None, settings: Any, limit: int
) -> None:
    settings.TENANT_CONNECTION_MAX_SCHEMAS = limit
    _robots("alpha")
    first = connection.connection
    _robots("beta")
    assert first is not None and connection.connection is first
