"""Platform staff editing memberships in the Django admin go through the team services: store
accounts follow, the merchant's audit trail names the staff member, the last owner stays."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.platform.models import Membership, TeamAuditEntry
from apps.platform.tests.factories import make_member, make_platform_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(platform_client):  # type: ignore[no-untyped-def]
    staff = User.objects.create_superuser("platform-staff-h4@example.com", "staff-pass-12345")
    platform_client.force_login(staff)
    return platform_client


def _store_account(world, user: User) -> User:
    with schema_context(world.tenant.schema_name):
        return User.objects.get(platform_user_uuid=user.uuid)


def test_a_role_changed_in_the_admin_reaches_the_store_and_the_audit_trail(alpha, staff_client):
    member = make_member(alpha.merchant, "admin-edited@example.com", role="staff")
    response = staff_client.post(
        f"/admin/platform/membership/{member.pk}/change/", {"role": "finance"}, REMOTE_ADDR="198.51.100.50"
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == "finance"
    assert _store_account(alpha, member.user).store_role == "finance"
    entry = TeamAuditEntry.objects.get(merchant=alpha.merchant, action="role_changed")
    assert (entry.actor_email, entry.ip_address) == ("platform-staff-h4@example.com", "198.51.100.50")


def test_the_admin_refuses_to_demote_the_last_owner(alpha, staff_client):
    owner = Membership.objects.get(merchant=alpha.merchant, user=alpha.owner)
    response = staff_client.post(f"/admin/platform/membership/{owner.pk}/change/", {"role": "admin"})
    assert response.status_code == 200
    assert "last owner" in response.content.decode()
    assert Membership.objects.get(pk=owner.pk).role == "owner"
    # nor delete them
    assert staff_client.get(f"/admin/platform/membership/{owner.pk}/delete/").status_code == 403


def test_a_membership_deleted_in_the_admin_closes_the_store_account(alpha, staff_client):
    member = make_member(alpha.merchant, "admin-deleted@example.com", role="admin")
    response = staff_client.post(f"/admin/platform/membership/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert not _store_account(alpha, member.user).is_active
    assert TeamAuditEntry.objects.filter(merchant=alpha.merchant, action="member_removed").exists()


def test_a_membership_added_in_the_admin_opens_store_accounts(alpha, staff_client):
    user = make_platform_user("admin-added@example.com")
    response = staff_client.post(
        "/admin/platform/membership/add/", {"merchant": alpha.merchant.pk, "user": user.pk, "role": "staff"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.get(user=user, merchant=alpha.merchant).role == "staff"
    assert _store_account(alpha, user).store_role == "staff"
    assert TeamAuditEntry.objects.filter(merchant=alpha.merchant, action="member_added").exists()
