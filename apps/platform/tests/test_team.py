"""The team services' rules: who may invite, re-role and remove whom, and the bad input that
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.platform.models import Membership, TeamAuditEntry, TeamInvitation
from apps.platform.team import (
    TeamError,
    TeamErrorCode,
    invitation_for_token,
    team_invitation_accept,
    team_invitation_revoke,
    team_member_invite,
    team_member_remove,
    team_member_role_change,
)
from apps.platform.tests.factories import make_member, make_platform_user

pytestmark = pytest.mark.django_db


def _invite(world, email="new@example.com", role="staff", actor=None) -> TeamInvitation:
    return team_member_invite(
        merchant=world.merchant, actor=actor or world.owner, email=email, role=role, ip_address="198.51.100.1"
    )


def _token_of(invitation: TeamInvitation, mailoutbox) -> str:
    body = mailoutbox[-1].body
    token = body.split("/console/invitations/", 1)[1].split("/", 1)[0]
    assert invitation_for_token(token=token) == invitation
    return token


def _refused(code: TeamErrorCode, call) -> TeamError:  # type: ignore[no-untyped-def]
    with pytest.raises(TeamError) as caught:
        call()
    assert caught.value.code == code
    assert caught.value.message
    return caught.value


def _state(world) -> tuple:
    """Everything a refused team change must leave as it was."""
    return (
        sorted(Membership.objects.filter(merchant=world.merchant).values_list("user__email", "role")),
        sorted(TeamInvitation.objects.filter(merchant=world.merchant).values_list("email", "status")),
        TeamAuditEntry.objects.filter(merchant=world.merchant).count(),
    )


# ------------------------------------------------------------------------------
# Inviting
# ------------------------------------------------------------------------------
def test_an_invitation_is_stored_hashed_expires_in_seven_days_and_is_audited(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "New@Example.com ")
    assert invitation.email == "new@example.com"
    assert invitation.status == TeamInvitation.Status.PENDING
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    token = _token_of(invitation, mailoutbox)
    assert token not in invitation.token_hash
    entry = TeamAuditEntry.objects.get(merchant=alpha.merchant)
    assert (entry.action, entry.actor, entry.target_email, entry.new_role, entry.ip_address) == (
        "invite_sent",
        alpha.owner,
        "new@example.com",
        "staff",
        "198.51.100.1",
    )


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.com", "x" * 250 + "@example.com"])
def test_inviting_an_invalid_email_is_refused(alpha, email):
    before = _state(alpha)
    _refused(TeamErrorCode.INVALID_EMAIL, lambda: _invite(alpha, email))
    assert _state(alpha) == before


def test_inviting_an_existing_member_is_refused(alpha):
    make_member(alpha.merchant, "already@example.com")
    before = _state(alpha)
    error = _refused(TeamErrorCode.ALREADY_MEMBER, lambda: _invite(alpha, "ALREADY@example.com"))
    assert error.params == {"email": "already@example.com"}
    assert _state(alpha) == before


def test_a_second_open_invitation_to_one_address_is_refused_until_the_first_expires(alpha):
    first = _invite(alpha, "twice@example.com")
    _refused(TeamErrorCode.ALREADY_INVITED, lambda: _invite(alpha, "twice@example.com"))
    TeamInvitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    second = _invite(alpha, "twice@example.com")
    first.refresh_from_db()
    assert first.status == TeamInvitation.Status.EXPIRED and second.status == TeamInvitation.Status.PENDING


@pytest.mark.parametrize("role", ["staff", "finance"])
def test_members_without_team_manage_cannot_invite(alpha, role):
    member = make_member(alpha.merchant, f"{role}-inviter@example.com", role=role)
    before = _state(alpha)
    _refused(TeamErrorCode.PERMISSION_DENIED, lambda: _invite(alpha, actor=member.user))
    assert _state(alpha) == before


def test_only_owners_invite_owners(alpha):
    admin = make_member(alpha.merchant, "admin-inviter@example.com", role="admin")
    _refused(TeamErrorCode.OWNERSHIP_REQUIRED, lambda: _invite(alpha, role="owner", actor=admin.user))
    assert _invite(alpha, "admin-invitee@example.com", role="admin", actor=admin.user).role == "admin"
    assert _invite(alpha, "co-owner@example.com", role="owner").role == "owner"


def test_an_unknown_role_is_refused(alpha):
    _refused(TeamErrorCode.INVALID_ROLE, lambda: _invite(alpha, role="superuser"))


def test_a_non_member_cannot_invite_to_another_merchants_team(alpha, beta):
    before = _state(alpha)
    _refused(TeamErrorCode.PERMISSION_DENIED, lambda: _invite(alpha, actor=beta.owner))
    assert _state(alpha) == before


# ------------------------------------------------------------------------------
# Accepting
# ------------------------------------------------------------------------------
def test_accepting_creates_the_membership_and_a_staff_account_in_each_store(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "joiner@example.com", role="finance")
    token = _token_of(invitation, mailoutbox)
    joiner = make_platform_user("joiner@example.com")
    membership = team_invitation_accept(token=token, user=joiner, ip_address="192.0.2.5")
    assert (membership.merchant, membership.role) == (alpha.merchant, "finance")
    with schema_context(alpha.tenant.schema_name):
        account = User.objects.get(platform_user_uuid=joiner.uuid)
        assert account.is_staff and account.store_role == "finance" and not account.has_usable_password()
    invitation.refresh_from_db()
    assert invitation.status == TeamInvitation.Status.ACCEPTED and invitation.accepted_by == joiner
    assert TeamAuditEntry.objects.filter(
        action="invite_accepted", actor=joiner, ip_address="192.0.2.5"
    ).exists()


def test_an_invitation_works_only_once(alpha, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "once@example.com")
    token = _token_of(invitation, mailoutbox)
    user = make_platform_user("once@example.com")
    team_invitation_accept(token=token, user=user, ip_address=None)
    Membership.objects.filter(user=user).delete()  # even after leaving, the link stays spent
    before = _state(alpha)
    _refused(
        TeamErrorCode.INVITATION_USED, lambda: team_invitation_accept(token=token, user=user, ip_address=None)
    )
    assert _state(alpha) == before


def test_an_expired_invitation_is_refused(alpha, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "late@example.com")
    token = _token_of(invitation, mailoutbox)
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    user = make_platform_user("late@example.com")
    before = _state(alpha)
    _refused(
        TeamErrorCode.INVITATION_EXPIRED,
        lambda: team_invitation_accept(token=token, user=user, ip_address=None),
    )
    assert _state(alpha) == before


def test_a_revoked_invitation_is_refused(alpha, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "revoked@example.com")
    token = _token_of(invitation, mailoutbox)
    team_invitation_revoke(invitation=invitation, actor=alpha.owner, ip_address="198.51.100.2")
    assert TeamAuditEntry.objects.filter(action="invite_revoked", target_email="revoked@example.com").exists()
    user = make_platform_user("revoked@example.com")
    _refused(
        TeamErrorCode.INVITATION_REVOKED,
        lambda: team_invitation_accept(token=token, user=user, ip_address=None),
    )
    assert not Membership.objects.filter(user=user).exists()
    # and it cannot be revoked twice
    _refused(
        TeamErrorCode.INVITATION_NOT_PENDING,
        lambda: team_invitation_revoke(invitation=invitation, actor=alpha.owner, ip_address=None),
    )


def test_an_invitation_accepted_by_another_signed_in_address_is_refused(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alpha, "invited@example.com")
    token = _token_of(invitation, mailoutbox)
    someone_else = make_platform_user("someone-else@example.com")
    before = _state(alpha)
    error = _refused(
        TeamErrorCode.WRONG_ACCOUNT,
        lambda: team_invitation_accept(token=token, user=someone_else, ip_address=None),
    )
    assert "invited@example.com" in error.message and "someone-else@example.com" in error.message
    assert _state(alpha) == before
    # nor by an account that claims the address without having verified it
    unverified = make_platform_user("unverified@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        other = _invite(alpha, "unverified@example.com")
    other_token = _token_of(other, mailoutbox)
    _refused(
        TeamErrorCode.WRONG_ACCOUNT,
        lambda: team_invitation_accept(token=other_token, user=unverified, ip_address=None),
    )


def test_an_unknown_invitation_token_is_refused(alpha):
    user = make_platform_user("guess@example.com")
    _refused(
        TeamErrorCode.INVITATION_INVALID,
        lambda: team_invitation_accept(token="guessed", user=user, ip_address=None),
    )


# ------------------------------------------------------------------------------
# Roles
# ------------------------------------------------------------------------------
def test_the_last_owner_cannot_be_demoted_or_removed(alpha):
    owner_membership = Membership.objects.get(merchant=alpha.merchant, user=alpha.owner)
    before = _state(alpha)
    _refused(
        TeamErrorCode.LAST_OWNER,
        lambda: team_member_role_change(
            membership=owner_membership, actor=alpha.owner, role="admin", ip_address=None
        ),
    )
    _refused(
        TeamErrorCode.LAST_OWNER,
        lambda: team_member_remove(membership=owner_membership, actor=alpha.owner, ip_address=None),
    )
    assert _state(alpha) == before
    # with a second owner, the first may step down
    make_member(alpha.merchant, "second-owner@example.com", role="owner")
    team_member_role_change(membership=owner_membership, actor=alpha.owner, role="admin", ip_address=None)
    assert Membership.objects.get(pk=owner_membership.pk).role == "admin"


def test_a_deactivated_owner_does_not_count_as_another_owner(alpha):
    ghost = make_member(alpha.merchant, "ghost-owner@example.com", role="owner")
    User.objects.filter(pk=ghost.user.pk).update(is_active=False)
    owner_membership = Membership.objects.get(merchant=alpha.merchant, user=alpha.owner)
    _refused(
        TeamErrorCode.LAST_OWNER,
        lambda: team_member_remove(membership=owner_membership, actor=alpha.owner, ip_address=None),
    )


# admin -> finance is sideways, but finance may read billing, which an admin may not.
@pytest.mark.parametrize("target", ["owner", "finance"])
def test_nobody_can_raise_their_own_role(alpha, target):
    member = make_member(alpha.merchant, "climber@example.com", role="admin")
    before = _state(alpha)
    _refused(
        TeamErrorCode.OWN_ROLE_RAISE,
        lambda: team_member_role_change(membership=member, actor=member.user, role=target, ip_address=None),
    )
    assert _state(alpha) == before


def test_an_admin_may_lower_their_own_role(alpha):
    member = make_member(alpha.merchant, "stepping-down@example.com", role="admin")
    team_member_role_change(membership=member, actor=member.user, role="staff", ip_address=None)
    assert Membership.objects.get(pk=member.pk).role == "staff"


def test_admins_cannot_touch_the_owner_role(alpha):
    admin = make_member(alpha.merchant, "admin-x@example.com", role="admin")
    staff = make_member(alpha.merchant, "staff-x@example.com", role="staff")
    owner_membership = Membership.objects.get(merchant=alpha.merchant, user=alpha.owner)
    make_member(alpha.merchant, "owner-two@example.com", role="owner")
    before = _state(alpha)
    for call in (
        lambda: team_member_role_change(membership=staff, actor=admin.user, role="owner", ip_address=None),
        lambda: team_member_role_change(
            membership=owner_membership, actor=admin.user, role="staff", ip_address=None
        ),
        lambda: team_member_remove(membership=owner_membership, actor=admin.user, ip_address=None),
    ):
        _refused(TeamErrorCode.OWNERSHIP_REQUIRED, call)
    assert _state(alpha) == before
    # but they manage everyone else
    team_member_role_change(membership=staff, actor=admin.user, role="finance", ip_address=None)
    team_member_remove(membership=staff, actor=admin.user, ip_address=None)


def test_staff_and_finance_cannot_change_the_team(alpha):
    staff = make_member(alpha.merchant, "staff-y@example.com", role="staff")
    finance = make_member(alpha.merchant, "finance-y@example.com", role="finance")
    before = _state(alpha)
    _refused(
        TeamErrorCode.PERMISSION_DENIED,
        lambda: team_member_role_change(membership=finance, actor=staff.user, role="staff", ip_address=None),
    )
    _refused(
        TeamErrorCode.PERMISSION_DENIED,
        lambda: team_member_remove(membership=staff, actor=finance.user, ip_address=None),
    )
    assert _state(alpha) == before


def test_a_role_change_is_audited_with_old_and_new_role(alpha):
    member = make_member(alpha.merchant, "audited@example.com", role="staff")
    team_member_role_change(membership=member, actor=alpha.owner, role="admin", ip_address="2001:db8::1")
    entry = TeamAuditEntry.objects.get(action="role_changed")
    assert (entry.old_role, entry.new_role, entry.actor_email, entry.ip_address) == (
        "staff",
        "admin",
        alpha.owner.email,
        "2001:db8::1",
    )
    # the same role again changes nothing and writes nothing
    team_member_role_change(membership=member, actor=alpha.owner, role="admin", ip_address=None)
    assert TeamAuditEntry.objects.filter(action="role_changed").count() == 1
