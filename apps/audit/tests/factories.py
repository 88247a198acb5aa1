"""Audit entries made directly (for the page's filters, paging and isolation tests), and clients
signed in with a role from a known address."""

from __future__ import annotations

from typing import Any

import factory
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from tests.fixtures import StoreWorld, make_store_user, store_client

AUDIT = "/dashboard/audit/"
ADDRESS = "203.0.113.9"


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor_kind = AuditEntry.ActorKind.USER
    actor_id = 1
    actor_label = "someone@example.com"
    ip_address = "198.51.100.4"
    user_agent = "Mozilla/5.0"
    action = AuditEntry.Action.UPDATED
    object_type = "catalog.product"
    object_id = factory.Sequence(lambda n: str(n + 1))
    object_repr = factory.Sequence(lambda n: f"Product {n}")
    changes = factory.LazyFunction(lambda: {"title": ["Old", "New"]})


def member_client(world: StoreWorld, role: str, email: str | None = None) -> tuple[Client, Any]:
    """A client on the store's host from ADDRESS, signed in as a staff member with `role`."""
    user = make_store_user(world, email or f"audit-{role}@example.com", role=role)
    client = store_client(world)
    client.defaults["REMOTE_ADDR"] = ADDRESS
    client.defaults["HTTP_USER_AGENT"] = "AuditTest/1.0"
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client, user


def entries(world: StoreWorld, **lookup: Any) -> list[AuditEntry]:
    with schema_context(world.tenant.schema_name):
        return list(AuditEntry.objects.filter(**lookup).order_by("created_at", "id"))
