"""Bounding what one database connection keeps for the stores it has served.

A PostgreSQL backend caches the catalog entries (relations, indexes, attributes) of every table
it touches, per schema, for as long as it lives: one web process whose connection is kept
(CONN_MAX_AGE) and hands requests for store after store grows by the catalog of each store it
served, and never shrinks (measured in benchmarks/bench_scale.py). A connection that has served
more than TENANT_CONNECTION_MAX_SCHEMAS stores is closed when its request finishes; the next
request opens a fresh one. 0 turns the bound off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import connection
from django.db.backends.signals import connection_created

from apps.core.tenancy import current_schema

_SERVED = "_store_schemas_served"


def _connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    setattr(connection, _SERVED, set())


def schemas_served() -> int:
    """How many store schemas the default connection has served since it was opened."""
    return len(getattr(connection, _SERVED, ()))


def _request_finished(**kwargs: Any) -> None:
    limit = settings.TENANT_CONNECTION_MAX_SCHEMAS
    if not limit or connection.connection is None:
        return
    served = getattr(connection, _SERVED, None)
    if served is None:
        served = set()
        setattr(connection, _SERVED, served)
    served.add(current_schema())
    if len(served) > limit and not connection.in_atomic_block:
        connection.close()


def install() -> None:
    connection_created.connect(_connection_created, dispatch_uid="tenants.connections.created")
    request_finished.connect(_request_finished, dispatch_uid="tenants.connections.request_finished")
