from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.payments.testing.fixtures import fake_stripe  # noqa: F401 (fixture)
from tests.fixtures import StoreWorld, make_store_user, store_client

RoleClient = Callable[..., Client]


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha's schema (rolled back like any `db` test)."""
    with schema_context(alpha.tenant.schema_name):
        yield alpha


@pytest.fixture
def role_client(alpha: StoreWorld) -> RoleClient:
    """`role_client("finance")`: a client signed in to store alpha (or `world`) as a new team
    member with that role."""

    def make(role: str, world: StoreWorld | None = None) -> Client:
        world = world or alpha
        user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
        client = store_client(world)
        with schema_context(world.tenant.schema_name):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
