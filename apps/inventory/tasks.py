"""Periodic inventory work across stores."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import tenant_context

from apps.inventory.services import reservations_release_expired
from apps.tenants.models import Tenant


@shared_task
def reservations_release_expired_all() -> int:
    """Every few minutes: give back the stock of carts and orders whose hold ran out, per store."""
    released = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with tenant_context(tenant):
            released += reservations_release_expired()
    return released
