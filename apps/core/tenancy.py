"""Typed access to django-tenants' connection state (the schema the connection points at)."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper


def tenant_connection() -> DatabaseWrapper:
    return cast(DatabaseWrapper, connection)


def current_schema() -> str:
    return str(getattr(connection, "schema_name", "public"))


def current_tenant() -> Any:
    """The tenant object the connection is set to (a `Tenant`, or a FakeTenant in tools)."""
    return getattr(connection, "tenant", None)


def in_store() -> bool:
    return current_schema() != "public"
