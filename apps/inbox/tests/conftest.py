"""Fixtures of the notification centre's tests: a store to work in and signed-in team members."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from tests.fixtures import StoreWorld, make_store_user, store_client

MemberClient = Callable[..., tuple[User, Client]]


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha's schema (rolled back like any `db` test)."""
    with schema_context(alpha.tenant.schema_name):
        yield alpha


@pytest.fixture
def member(alpha: StoreWorld) -> MemberClient:
    """`member("finance")`: a new team member of store alpha (or `world`) with that role, and a
    client signed in as them."""

    def make(role: str, world: StoreWorld | None = None) -> tuple[User, Client]:
        world = world or alpha
        user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
        client = store_client(world)
        with schema_context(world.tenant.schema_name):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return user, client

    return make
