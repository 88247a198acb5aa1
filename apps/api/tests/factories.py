"""API keys and clients for API tests (any app's `api` tests use these)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.test import Client
from django_tenants.utils import schema_context

from apps.api.keys import api_key_create
from apps.api.scopes import ALL_SCOPES
from tests.fixtures import StoreWorld, make_store_user


def api_key_make(
    world: StoreWorld,
    scopes: list[str] | None = None,
    *,
    role: str = "owner",
    expires_at: datetime | None = None,
    name: str = "Test key",
) -> str:
    """A key of `world` holding `scopes` (default: every scope), created by a new member with
    `role`; the plaintext to send."""
    member = make_store_user(world, f"api-{uuid.uuid4().hex[:8]}@example.com", role=role)
    with schema_context(world.tenant.schema_name):
        created = api_key_create(
            name=name,
            scopes=sorted(ALL_SCOPES) if scopes is None else scopes,
            created_by=member,
            expires_at=expires_at,
        )
    return created.plaintext


def api_client(world: StoreWorld, key: str | None = None, **extra: str) -> Client:
    """A client on `world`'s host, sending `key` as a Bearer token."""
    headers = {"HTTP_HOST": world.host, **extra}
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return Client(**headers)  # type: ignore[arg-type]
