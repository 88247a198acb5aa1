"""Absolute URLs of the platform and of stores, from configuration and the database only."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from apps.core.tenancy import current_schema
from apps.tenants.models import Tenant


def _port_suffix() -> str:
    return f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""


def store_host(tenant: Tenant) -> str:
    domain = tenant.get_primary_domain()
    return domain.domain if domain is not None else f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


def store_base_url(tenant: Tenant) -> str:
    return f"{settings.PLATFORM_SCHEME}://{store_host(tenant)}{_port_suffix()}"


def canonical_base_url() -> str:
    """Base URL of whatever the connection points at: a store or the platform."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or current_schema() == "public" or not isinstance(tenant, Tenant):
        return settings.PLATFORM_URL
    return store_base_url(tenant)
