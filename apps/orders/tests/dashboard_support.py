"""Clients and helpers for the orders pages' tests (apps/orders/dashboard/). Orders themselves
come from `apps.orders.tests.factories`, made inside the store's schema (`in_store`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.test import Client
from django_tenants.utils import schema_context

from apps.orders.models import Order
from tests.fixtures import StoreWorld, make_store_user, store_client

BASE = "/dashboard/orders/"
ROLES = ("owner", "admin", "staff", "finance")


def role_client(world: StoreWorld, role: str) -> Client:
    """A client signed in to `world` as a new team member with `role` ("" = a shopper)."""
    user = make_store_user(world, f"{role or 'shopper'}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@contextmanager
def in_store(world: StoreWorld) -> Iterator[None]:
    with schema_context(world.tenant.schema_name):
        yield


def url(order: Order, action: str = "") -> str:
    return f"{BASE}{order.number}/{action + '/' if action else ''}"


def fresh(world: StoreWorld, order: Order) -> Order:
    with in_store(world):
        return Order.objects.get(pk=order.pk)
