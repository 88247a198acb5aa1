"""Access that ends: a team change reaches the member's staff account in every store at once,
and an open dashboard session answers with the change on its very next request."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import user_deactivate
from apps.core.tenancy import tenant_connection
from apps.inventory.models import Location
from apps.platform.models import Membership, TeamAuditEntry
from apps.platform.team import team_member_remove, team_member_role_change
from apps.platform.tests.factories import console_client, make_member, open_dashboard

pytestmark = pytest.mark.django_db


def _location_create() -> str:
    """A page that needs a write permission staff have and finance do not (inventory.adjust)."""
    return reverse("dashboard:inventory:location_create", urlconf="config.urls_tenants")


DOMAINS = "/dashboard/store/domains/"


def _store_account(tenant, user: User) -> User:
    with schema_context(tenant.schema_name):
        return User.objects.get(platform_user_uuid=user.uuid)


def test_a_removed_members_open_dashboards_stop_working_on_the_next_request_in_every_store(
    alpha, alpha_second_store
):
    # given a staff member with an open dashboard in both of the merchant's stores
    member = make_member(alpha.merchant, "leaver@example.com", role="staff")
    first = open_dashboard(alpha.tenant, member.user)
    second = open_dashboard(alpha_second_store, member.user)
    # when an owner removes them in the console (confirmation page, then the POST)
    owner = console_client(alpha.owner)
    url = f"/console/merchants/{alpha.merchant.uuid}/team/members/{member.user.uuid}/remove/"
    assert owner.get(url).status_code == 200
    assert Membership.objects.filter(pk=member.pk).exists()  # the confirmation page changed nothing
    response = owner.post(url)
    assert response.status_code == 302
    # then the very next request of each open session is signed out
    for client in (first, second):
        home = client.get("/dashboard/")
        assert home.status_code == 302 and "/accounts/login/" in home["Location"]
        assert not home.wsgi_request.user.is_authenticated
    # and both store accounts are deactivated, without a role
    for tenant in (alpha.tenant, alpha_second_store):
        account = _store_account(tenant, member.user)
        assert not account.is_active and not account.is_staff and account.store_role == ""
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert TeamAuditEntry.objects.filter(
        merchant=alpha.merchant, action="member_removed", target_email="leaver@example.com"
    ).exists()


def test_a_lower_role_takes_effect_at_once_in_every_store(alpha, alpha_second_store):
    # given a staff member who may add stock locations, signed in to both stores
    member = make_member(alpha.merchant, "mover@example.com", role="staff")
    clients = [open_dashboard(alpha.tenant, member.user), open_dashboard(alpha_second_store, member.user)]
    for client in clients:
        assert client.get(_location_create()).status_code == 200
        assert client.post(_location_create(), {}).status_code == 200  # the form answers (with errors)
    # when an owner makes them finance
    response = console_client(alpha.owner).post(
        f"/console/merchants/{alpha.merchant.uuid}/team/members/{member.user.uuid}/role/", {"role": "finance"}
    )
    assert response.status_code == 302
    # then the open sessions, drawn for the old role, end on their next request: the write
    # they were about to make does not happen
    for client in clients:
        refused = client.post(_location_create(), {"name": "Back room", "code": "BACK"})
        assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    # and back through the hand-off they have finance's permissions: reading, no stock writes
    for tenant in (alpha.tenant, alpha_second_store):
        assert _store_account(tenant, member.user).store_role == "finance"
        client = open_dashboard(tenant, member.user)
        assert client.get(_location_create()).status_code == 403
        assert client.post(_location_create(), {"name": "Back room", "code": "BACK"}).status_code == 403
    for tenant in (alpha.tenant, alpha_second_store):
        with schema_context(tenant.schema_name):
            assert not Location.objects.filter(code="BACK").exists()


def test_a_higher_role_takes_effect_in_the_open_session(alpha, alpha_second_store):
    # staff may not see the store's domains; an admin may
    member = make_member(alpha.merchant, "riser@example.com", role="staff")
    clients = [open_dashboard(alpha.tenant, member.user), open_dashboard(alpha_second_store, member.user)]
    for client in clients:
        assert client.get(DOMAINS).status_code == 403
    team_member_role_change(membership=member, actor=alpha.owner, role="admin", ip_address=None)
    for client in clients:
        assert client.get(DOMAINS).status_code == 200  # same session, new role


def test_a_change_in_merchant_a_leaves_merchant_bs_store_untouched(alpha, beta):
    # given one person on both teams, staff at A and admin at B, signed in to both stores
    both = make_member(alpha.merchant, "both@example.com", role="staff")
    at_beta = make_member(beta.merchant, "both@example.com", role="admin")
    in_alpha = open_dashboard(alpha.tenant, both.user)
    in_beta = open_dashboard(beta.tenant, both.user)
    # when merchant A first re-roles and then removes them
    team_member_role_change(membership=both, actor=alpha.owner, role="finance", ip_address=None)
    team_member_remove(membership=both, actor=alpha.owner, ip_address=None)
    # then A's session is over, and B's account, role and session are as they were
    assert in_alpha.get("/dashboard/").status_code == 302
    assert in_beta.get("/dashboard/").status_code == 200
    account = _store_account(beta.tenant, both.user)
    assert account.is_active and account.is_staff and account.store_role == "admin"
    assert Membership.objects.filter(pk=at_beta.pk, role="admin").exists()
    # and B's audit trail did not hear of it
    assert not TeamAuditEntry.objects.filter(merchant=beta.merchant).exists()


def test_beta_staff_are_untouched_when_alpha_removes_a_member_with_the_same_email(alpha, beta):
    # given a shopper-turned-nobody in beta who shares an email with alpha's member
    member = make_member(alpha.merchant, "shared@example.com", role="staff")
    with schema_context(beta.tenant.schema_name):
        other = User.objects.create_user(
            "shared@example.com", "x-pass-12345", is_staff=True, store_role="staff"
        )
    team_member_remove(membership=member, actor=alpha.owner, ip_address=None)
    with schema_context(beta.tenant.schema_name):
        other.refresh_from_db()
        assert other.is_active and other.store_role == "staff" and other.session_stamp == ""


def test_deactivating_a_platform_user_ends_their_store_sessions(alpha, alpha_second_store):
    member = make_member(alpha.merchant, "suspended@example.com", role="admin")
    clients = [open_dashboard(alpha.tenant, member.user), open_dashboard(alpha_second_store, member.user)]
    # when platform staff deactivate the platform user (the admin calls this service)
    user_deactivate(user=member.user)
    for client in clients:
        assert client.get("/dashboard/").status_code == 302
    assert not _store_account(alpha.tenant, member.user).is_active
    assert TeamAuditEntry.objects.filter(merchant=alpha.merchant, action="member_deactivated").exists()
    # and the console's hand-off refuses them
    from apps.platform.services import HandoffError, handoff_issue, handoff_redeem

    value = handoff_issue(user=member.user, tenant=alpha.tenant)
    with schema_context(alpha.tenant.schema_name), pytest.raises(HandoffError):
        handoff_redeem(value=value)


def test_platform_staff_deactivating_a_user_in_the_admin_ends_their_store_sessions(alpha, platform_client):
    member = make_member(alpha.merchant, "admin-off@example.com", role="staff")
    store = open_dashboard(alpha.tenant, member.user)
    tenant_connection().set_schema_to_public()
    staff = User.objects.create_superuser("root-h4@example.com", "root-pass-12345")
    platform_client.force_login(staff)
    change_url = f"/admin/accounts/user/{member.user.pk}/change/"
    page = platform_client.get(change_url)
    assert page.status_code == 200
    # every box left unticked: "active" is switched off
    data = {"email": member.user.email, "full_name": ""}
    response = platform_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.user.refresh_from_db()
    assert not member.user.is_active
    assert store.get("/dashboard/").status_code == 302
    assert not _store_account(alpha.tenant, member.user).is_active
