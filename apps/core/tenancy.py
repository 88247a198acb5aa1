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


class NotInStoreError(RuntimeError):
    """Store-only code ran in the public schema: a task sent from outside a tenant context, or a
    helper asked "which store am I in" where there is none. Never answered with a silent fallback."""


def store_tenant() -> Any:
    """The store the connection is set to; raises `NotInStoreError` in the public schema."""
    tenant = current_tenant()
    if tenant is None or current_schema() == "public":
        raise NotInStoreError("this runs inside one store's schema, and the connection is on public")
    return tenant


def require_store() -> str:
    """The current store's schema name; raises `NotInStoreError` in the public schema."""
    schema = current_schema()
    if schema == "public":
        raise NotInStoreError("this runs inside one store's schema, and the connection is on public")
    return schema
