"""Ending a user's sessions and deactivating a linked staff account, in one store's schema."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import store_staff_deactivate, store_staff_sync, user_sessions_end
from apps.core.tenancy import tenant_connection
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db


def _signed_in(world, user: User):  # type: ignore[no-untyped-def]
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    tenant_connection().set_schema_to_public()
    return client


def test_ending_sessions_signs_out_every_open_session_on_its_next_request(alpha):
    user = make_store_user(alpha, "two-tabs@example.com", role="staff")
    first, second = _signed_in(alpha, user), _signed_in(alpha, user)
    with schema_context(alpha.tenant.schema_name):
        user_sessions_end(user=user)
    for client in (first, second):
        response = client.get("/dashboard/")
        assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated
    # a new sign-in works again
    with schema_context(alpha.tenant.schema_name):
        fresh = User.objects.get(pk=user.pk)
    _signed_in(alpha, fresh)


def test_a_user_whose_sessions_never_ended_keeps_djangos_own_session_hash(alpha):
    user = User(email="plain@example.com", password="x")
    reference = User(email="plain@example.com", password="x")
    assert user.get_session_auth_hash() == reference.get_session_auth_hash()
    user.session_stamp = "rotated"
    assert user.get_session_auth_hash() != reference.get_session_auth_hash()


def test_deactivating_a_linked_account_drops_its_role_and_sessions_and_keeps_the_link(alpha):
    with schema_context(alpha.tenant.schema_name):
        account = store_staff_sync(
            platform_user_uuid="6d1f8a2e-0000-4000-8000-000000000001",
            email="member@example.com",
            full_name="",
            role="admin",
        )
    client = _signed_in(alpha, account)
    with schema_context(alpha.tenant.schema_name):
        deactivated = store_staff_deactivate(platform_user_uuid=str(account.platform_user_uuid))
        assert deactivated is not None
        account.refresh_from_db()
        assert (account.is_active, account.is_staff, account.store_role) == (False, False, "")
        assert str(account.platform_user_uuid) == "6d1f8a2e-0000-4000-8000-000000000001"
        assert store_staff_deactivate(platform_user_uuid="6d1f8a2e-0000-4000-8000-000000000002") is None
    assert client.get("/dashboard/").status_code == 302
    # re-synced (invited again, next hand-off): active with the role again
    with schema_context(alpha.tenant.schema_name):
        again = store_staff_sync(
            platform_user_uuid=str(account.platform_user_uuid),
            email="member@example.com",
            full_name="",
            role="staff",
        )
        assert again.pk == account.pk and again.is_active and again.store_role == "staff"


def test_deactivating_in_one_store_leaves_the_other_store_alone(alpha, beta):
    uuid = "6d1f8a2e-0000-4000-8000-000000000003"
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            store_staff_sync(
                platform_user_uuid=uuid, email="both-stores@example.com", full_name="", role="staff"
            )
    with schema_context(alpha.tenant.schema_name):
        store_staff_deactivate(platform_user_uuid=uuid)
    with schema_context(beta.tenant.schema_name):
        other = User.objects.get(platform_user_uuid=uuid)
        assert other.is_active and other.store_role == "staff" and other.session_stamp == ""
