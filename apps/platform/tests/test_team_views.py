"""The console's team pages through real requests on the platform domain: who sees what, the
invitation email and its link, the accept page, the audit trail, and bad input on the forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.permissions import Perm, ViewPermission, view_permission
from apps.platform.models import Membership, TeamAuditEntry, TeamInvitation
from apps.platform.tests.factories import console_client, make_member, make_platform_user
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _team(world) -> str:
    return f"/console/merchants/{world.merchant.uuid}/team/"


def _member_url(world, member: Membership, action: str) -> str:
    return f"{_team(world)}members/{member.user.uuid}/{action}/"


def _invite_link(mail) -> str:
    links = re.findall(r"https?://\S+", mail.body)
    assert len(links) == 1
    return links[0]


# ------------------------------------------------------------------------------
# Every console team page declares its permission
# ------------------------------------------------------------------------------
def _team_patterns() -> list[URLPattern]:
    found: list[URLPattern] = []

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.name and pattern.name.startswith("team"):
                found.append(pattern)

    walk(get_resolver("config.urls_public").url_patterns)
    return found


def test_every_team_page_declares_its_permission():
    declared = {pattern.name: view_permission(pattern.callback) for pattern in _team_patterns()}
    assert declared == {
        "team_index": ViewPermission(
            read=None,
            write=None,
            public=True,
            reason="lists only the signed-in user's own merchants and sends them on to one",
        ),
        "team": ViewPermission(read=Perm.TEAM_VIEW, write=Perm.TEAM_MANAGE),
        "team_invite": ViewPermission(read=Perm.TEAM_MANAGE, write=Perm.TEAM_MANAGE),
        "team_invitation_revoke": ViewPermission(read=Perm.TEAM_MANAGE, write=Perm.TEAM_MANAGE),
        "team_member_role": ViewPermission(read=Perm.TEAM_MANAGE, write=Perm.TEAM_MANAGE),
        "team_member_remove": ViewPermission(read=Perm.TEAM_MANAGE, write=Perm.TEAM_MANAGE),
        "team_audit": ViewPermission(read=Perm.AUDIT_VIEW, write=Perm.AUDIT_VIEW),
        "team_invitation": declared["team_invitation"],
    }
    assert declared["team_invitation"] is not None and declared["team_invitation"].public


@pytest.mark.parametrize(
    ("role", "page", "invite", "audit"),
    [
        ("owner", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("finance", 200, 403, 403),
        ("staff", 403, 403, 403),
    ],
)
def test_each_role_sees_the_team_pages_the_map_allows(alpha, role, page, invite, audit):
    member = make_member(alpha.merchant, f"{role}-viewer@example.com", role=role)
    client = console_client(member.user)
    assert client.get(_team(alpha)).status_code == page
    assert client.get(f"{_team(alpha)}invite/").status_code == invite
    assert client.get(f"{_team(alpha)}audit/").status_code == audit
    if page == 200:  # the page links the trail exactly for those who may read it
        shown = f'href="{_team(alpha)}audit/"' in client.get(_team(alpha)).content.decode()
        assert shown == (audit == 200), role


def test_finance_sees_the_team_but_cannot_change_it(alpha):
    finance = make_member(alpha.merchant, "finance-ro@example.com", role="finance")
    staff = make_member(alpha.merchant, "staff-target@example.com", role="staff")
    client = console_client(finance.user)
    page = client.get(_team(alpha)).content.decode()
    assert "staff-target@example.com" in page and "Invite a member" not in page and "Change role" not in page
    assert client.post(_member_url(alpha, staff, "role"), {"role": "admin"}).status_code == 403
    assert client.post(_member_url(alpha, staff, "remove")).status_code == 403
    assert (
        client.post(f"{_team(alpha)}invite/", {"email": "x@example.com", "role": "staff"}).status_code == 403
    )
    assert Membership.objects.get(pk=staff.pk).role == "staff"
    assert not TeamInvitation.objects.filter(merchant=alpha.merchant).exists()


def test_another_merchants_team_pages_are_404_for_non_members(alpha, beta):
    member = make_member(alpha.merchant, "target@example.com", role="staff")
    invitation = TeamInvitation.objects.create(
        merchant=alpha.merchant,
        email="p@example.com",
        role="staff",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = console_client(beta.owner)
    for url in [
        _team(alpha),
        f"{_team(alpha)}invite/",
        f"{_team(alpha)}audit/",
        _member_url(alpha, member, "role"),
        _member_url(alpha, member, "remove"),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"role": "owner", "email": "x@example.com"}).status_code == 404, url
    assert client.post(f"{_team(alpha)}invitations/{invitation.pk}/revoke/").status_code == 404
    # and beta's owner cannot reach alpha's member through their own merchant's URLs either
    assert client.get(_member_url(beta, member, "role")).status_code == 404
    assert Membership.objects.filter(pk=member.pk, role="staff").exists()
    invitation.refresh_from_db()
    assert invitation.status == TeamInvitation.Status.PENDING


def test_signed_out_visitors_are_sent_to_sign_in(alpha, platform_client):
    response = platform_client.get(_team(alpha))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_team_index_sends_a_member_to_their_team(alpha):
    response = console_client(alpha.owner).get("/console/team/")
    assert response.status_code == 302 and response["Location"] == _team(alpha)


# ------------------------------------------------------------------------------
# Inviting and accepting
# ------------------------------------------------------------------------------
def test_inviting_emails_a_link_on_the_platform_url_that_joins_the_team_once(
    alpha, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PLATFORM_URL = "https://console.example.net"
    owner = console_client(alpha.owner)
    # when an owner invites someone, on a request whose Host headers point elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            f"{_team(alpha)}invite/",
            {"email": "Recruit@Example.com", "role": "finance"},
            HTTP_X_FORWARDED_HOST="evil.example.com",
        )
    assert response.status_code == 302 and response["Location"] == _team(alpha)
    # then one email goes to the address, with one link on PLATFORM_URL
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["recruit@example.com"]
    assert "Merchant alpha" in mail.subject
    link = _invite_link(mail)
    assert link.startswith("https://console.example.net/console/invitations/")
    path = link.removeprefix("https://console.example.net")
    assert "recruit@example.com" in owner.get(_team(alpha)).content.decode()
    # the invited person opens the link signed out: asked to sign in
    recruit = make_platform_user("recruit@example.com")
    visitor = console_client(recruit)
    visitor.logout()
    landing = visitor.get(path)
    assert landing.status_code == 200
    assert "/accounts/login/?next=" in landing.content.decode()
    assert visitor.post(path).status_code == 302  # to sign in
    assert not Membership.objects.filter(user=recruit).exists()
    # signed in with the invited address, they accept
    assert visitor.login(email="recruit@example.com", password=PASSWORD)
    assert "Accept and join the team" in visitor.get(path).content.decode()
    accepted = visitor.post(path, REMOTE_ADDR="192.0.2.44")
    assert accepted.status_code == 302 and accepted["Location"] == "/console/"
    assert Membership.objects.get(user=recruit, merchant=alpha.merchant).role == "finance"
    with schema_context(alpha.tenant.schema_name):
        assert User.objects.get(platform_user_uuid=recruit.uuid).store_role == "finance"
    entry = TeamAuditEntry.objects.get(action="invite_accepted")
    assert (entry.actor, entry.ip_address) == (recruit, "192.0.2.44")
    # and the link is spent
    again = visitor.post(path)
    assert again.status_code == 400 and "already used" in again.content.decode()


def test_accepting_while_signed_in_as_someone_else_is_refused(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        console_client(alpha.owner).post(
            f"{_team(alpha)}invite/", {"email": "right@example.com", "role": "staff"}
        )
    path = "/console/" + _invite_link(mailoutbox[0]).split("/console/", 1)[1]
    wrong = console_client(make_platform_user("wrong@example.com"))
    page = wrong.get(path).content.decode()
    assert "right@example.com" in page and "wrong@example.com" in page and "Accept and join" not in page
    response = wrong.post(path)
    assert response.status_code == 400
    assert "Sign in with the invited address" in response.content.decode()
    assert not Membership.objects.filter(user__email="wrong@example.com").exists()
    assert TeamInvitation.objects.get(email="right@example.com").status == TeamInvitation.Status.PENDING


def test_an_expired_or_unknown_invitation_link_says_so(alpha, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        console_client(alpha.owner).post(
            f"{_team(alpha)}invite/", {"email": "slow@example.com", "role": "staff"}
        )
    path = "/console/" + _invite_link(mailoutbox[0]).split("/console/", 1)[1]
    TeamInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = console_client(make_platform_user("slow@example.com"))
    expired = client.post(path)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert not Membership.objects.filter(user__email="slow@example.com").exists()
    unknown = client.get("/console/invitations/not-a-real-token/")
    assert unknown.status_code == 400 and "not valid" in unknown.content.decode()


@pytest.mark.parametrize(
    ("email", "message"),
    [("not-an-email", "Enter a valid email address."), ("owner-alpha@example.com", "already a member")],
)
def test_bad_invitations_are_refused_with_a_message(alpha, mailoutbox, email, message):
    response = console_client(alpha.owner).post(f"{_team(alpha)}invite/", {"email": email, "role": "staff"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TeamInvitation.objects.exists()
    assert not TeamAuditEntry.objects.exists()
    assert mailoutbox == []


def test_admins_are_not_offered_the_owner_role_and_cannot_post_it(alpha):
    admin = make_member(alpha.merchant, "admin-form@example.com", role="admin")
    client = console_client(admin.user)
    form = client.get(f"{_team(alpha)}invite/").content.decode()
    assert 'value="owner"' not in form and 'value="admin"' in form
    response = client.post(f"{_team(alpha)}invite/", {"email": "boss@example.com", "role": "owner"})
    assert response.status_code == 400
    assert not TeamInvitation.objects.exists()


def test_revoking_an_invitation_from_the_console(alpha):
    owner = console_client(alpha.owner)
    owner.post(f"{_team(alpha)}invite/", {"email": "maybe@example.com", "role": "staff"})
    invitation = TeamInvitation.objects.get(email="maybe@example.com")
    response = owner.post(f"{_team(alpha)}invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == TeamInvitation.Status.REVOKED
    assert TeamAuditEntry.objects.filter(action="invite_revoked", ip_address="203.0.113.7").exists()
    assert owner.get(f"{_team(alpha)}invitations/{invitation.pk}/revoke/").status_code == 405


# ------------------------------------------------------------------------------
# Roles and removal through the forms
# ------------------------------------------------------------------------------
def test_demoting_or_removing_the_last_owner_is_refused_with_a_message(alpha):
    owner_membership = Membership.objects.get(merchant=alpha.merchant, user=alpha.owner)
    client = console_client(alpha.owner)
    demote = client.post(_member_url(alpha, owner_membership, "role"), {"role": "admin"})
    assert demote.status_code == 400 and "last owner" in demote.content.decode()
    remove = client.post(_member_url(alpha, owner_membership, "remove"))
    assert remove.status_code == 400 and "last owner" in remove.content.decode()
    assert Membership.objects.get(pk=owner_membership.pk).role == "owner"
    assert not TeamAuditEntry.objects.exists()


def test_raising_your_own_role_is_refused_with_a_message(alpha):
    admin = make_member(alpha.merchant, "self-raise@example.com", role="admin")
    response = console_client(admin.user).post(_member_url(alpha, admin, "role"), {"role": "finance"})
    assert response.status_code == 400
    assert "cannot raise your own role" in response.content.decode()
    assert Membership.objects.get(pk=admin.pk).role == "admin"


def test_an_admin_removing_themselves_goes_back_to_the_console(alpha):
    admin = make_member(alpha.merchant, "leaving-admin@example.com", role="admin")
    client = console_client(admin.user)
    response = client.post(_member_url(alpha, admin, "remove"))
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get(_team(alpha)).status_code == 404


# ------------------------------------------------------------------------------
# Audit trail
# ------------------------------------------------------------------------------
def test_the_audit_trail_lists_changes_newest_first_with_who_what_and_where(alpha, settings):
    member = make_member(alpha.merchant, "audited-member@example.com", role="staff")
    owner = console_client(alpha.owner, remote_addr="198.51.100.9")
    owner.post(f"{_team(alpha)}invite/", {"email": "first@example.com", "role": "staff"})
    # a forged X-Forwarded-For is ignored unless a setting trusts a proxy
    owner.post(_member_url(alpha, member, "role"), {"role": "finance"}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    settings.TRUSTED_PROXY_COUNT = 1
    owner.post(_member_url(alpha, member, "remove"), HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.77")
    rows = list(TeamAuditEntry.objects.filter(merchant=alpha.merchant).values_list("action", "ip_address"))
    assert rows == [
        ("member_removed", "192.0.2.77"),
        ("role_changed", "198.51.100.9"),
        ("invite_sent", "198.51.100.9"),
    ]
    page = owner.get(f"{_team(alpha)}audit/").content.decode()
    cells = [f"<td>{label}</td>" for label in ("Member removed", "Role changed", "Invitation sent")]
    assert page.index(cells[0]) < page.index(cells[1]) < page.index(cells[2])
    assert "owner-alpha@example.com" in page and "audited-member@example.com" in page
    assert "Staff &rarr; Finance" in page


def test_the_audit_trail_is_paginated(alpha):
    TeamAuditEntry.objects.bulk_create(
        TeamAuditEntry(
            merchant=alpha.merchant,
            action="invite_sent",
            actor_email="o@example.com",
            target_email=f"p{i}@example.com",
        )
        for i in range(55)
    )
    client = console_client(alpha.owner)
    first = client.get(f"{_team(alpha)}audit/")
    second = client.get(f"{_team(alpha)}audit/", {"page": 2})
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 50 and len(second.context["page"].object_list) == 5


def test_one_merchants_audit_trail_does_not_show_another_merchants_changes(alpha, beta):
    TeamAuditEntry.objects.create(
        merchant=beta.merchant, action="invite_sent", target_email="beta-secret@example.com"
    )
    page = console_client(alpha.owner).get(f"{_team(alpha)}audit/").content.decode()
    assert "beta-secret@example.com" not in page
