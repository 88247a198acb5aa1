"""Members: adding (platform staff), re-roling and removing, and a platform user's deactivation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.signals import user_deactivated
from apps.core.permissions import role_permissions
from apps.core.tenancy import current_schema
from apps.platform.models import Membership, Merchant, TeamAuditEntry
from apps.platform.team.errors import TeamError, TeamErrorCode
from apps.platform.team.rules import (
    actor_membership_check,
    audit_write,
    clean_role,
    locked_merchant,
    on_public_schema,
    other_owner_count,
    require_ownership,
)
from apps.platform.team.stores import member_store_accounts_revoke, member_store_accounts_sync


@on_public_schema
@transaction.atomic
def team_member_add(
    *, merchant: Merchant, user: User, role: str, actor: User, ip_address: str | None
) -> Membership:
    """Platform staff add a member directly (the Django admin); members invite instead."""
    role = clean_role(role)
    merchant = locked_merchant(merchant)
    actor_membership_check(merchant=merchant, actor=actor, by_platform_staff=True)
    if Membership.objects.filter(merchant=merchant, user=user).exists():
        raise TeamError(
            _("%(email)s is already a member of the team.") % {"email": user.email},
            code=TeamErrorCode.ALREADY_MEMBER,
            params={"email": user.email},
        )
    membership = Membership.objects.create(merchant=merchant, user=user, role=role)
    member_store_accounts_sync(membership=membership)
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.MEMBER_ADDED,
        actor=actor,
        target_email=user.email,
        new_role=role,
        ip_address=ip_address,
    )
    return membership


def team_member_role_check(*, membership: Membership, role: str) -> None:
    """Refuse a role change that would leave the merchant without an owner."""
    if (
        membership.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and other_owner_count(merchant_id=membership.merchant_id, membership=membership) == 0
    ):
        raise TeamError(
            _("%(email)s is the team's last owner. Make someone else an owner first.")
            % {"email": membership.user.email},
            code=TeamErrorCode.LAST_OWNER,
            field="role",
            params={"email": membership.user.email},
        )


def team_member_remove_check(*, membership: Membership) -> None:
    """Refuse removing the merchant's last owner."""
    if (
        membership.role == Membership.Role.OWNER
        and other_owner_count(merchant_id=membership.merchant_id, membership=membership) == 0
    ):
        raise TeamError(
            _("%(email)s is the team's last owner and cannot be removed. Make someone else an owner first.")
            % {"email": membership.user.email},
            code=TeamErrorCode.LAST_OWNER,
            params={"email": membership.user.email},
        )


@on_public_schema
@transaction.atomic
def team_member_role_change(
    *,
    membership: Membership,
    actor: User,
    role: str,
    ip_address: str | None,
    by_platform_staff: bool = False,
) -> Membership:
    """Give a member another role, in the console and in every store at once."""
    role = clean_role(role)
    merchant = locked_merchant(membership.merchant)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    actor_membership = actor_membership_check(
        merchant=merchant, actor=actor, by_platform_staff=by_platform_staff
    )
    old_role = membership.role
    if role == old_role:
        return membership
    if (
        actor_membership is not None
        and actor_membership.pk == membership.pk
        and not role_permissions(role) <= role_permissions(old_role)
    ):
        # "Raise" means gaining any permission, so a sideways move that adds one (admin to
        # finance adds billing.view) is refused too.
        raise TeamError(
            _("You cannot raise your own role. Ask an owner to do it."),
            code=TeamErrorCode.OWN_ROLE_RAISE,
            field="role",
            params={"role": role, "current": old_role},
        )
    if Membership.Role.OWNER in (role, old_role):
        require_ownership(actor_membership)
    team_member_role_check(membership=membership, role=role)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    # Permissions are read from the account on every request, so the new role holds at once
    # either way; a role that lost permissions also ends the member's open sessions, so that no
    # page drawn for the old role (a form already on screen) outlives it.
    lost_permissions = not role_permissions(old_role) <= role_permissions(role)
    member_store_accounts_sync(membership=membership, end_sessions=lost_permissions)
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.ROLE_CHANGED,
        actor=actor,
        target_email=membership.user.email,
        old_role=old_role,
        new_role=role,
        ip_address=ip_address,
    )
    return membership


@on_public_schema
@transaction.atomic
def team_member_remove(
    *, membership: Membership, actor: User, ip_address: str | None, by_platform_staff: bool = False
) -> None:
    """Remove a member from the team: their staff account in every store is deactivated and
    signed out at once."""
    merchant = locked_merchant(membership.merchant)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    actor_membership = actor_membership_check(
        merchant=merchant, actor=actor, by_platform_staff=by_platform_staff
    )
    if membership.role == Membership.Role.OWNER:
        require_ownership(actor_membership)
    team_member_remove_check(membership=membership)
    user = membership.user
    old_role = membership.role
    membership.delete()
    member_store_accounts_revoke(merchant_id=merchant.pk, user=user)
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.MEMBER_REMOVED,
        actor=actor,
        target_email=user.email,
        old_role=old_role,
        ip_address=ip_address,
    )


@on_public_schema
@transaction.atomic
def platform_user_access_revoke(*, user: User) -> int:
    """A platform user was deactivated (or is being deleted): their staff accounts in the stores of
    every merchant they belong to are deactivated and signed out. Memberships stay, so that the
    account can be reactivated; the hand-off refuses inactive platform users meanwhile."""
    deactivated = 0
    memberships = Membership.objects.filter(user=user).select_related("merchant")
    for membership in memberships:
        deactivated += member_store_accounts_revoke(merchant_id=membership.merchant_id, user=user)
        audit_write(
            merchant=membership.merchant,
            action=TeamAuditEntry.Action.MEMBER_DEACTIVATED,
            actor=None,
            target_email=user.email,
            old_role=membership.role,
            ip_address=None,
        )
    return deactivated


@receiver(user_deactivated, dispatch_uid="platform.team.platform_user_access_revoke")
def _platform_user_deactivated(sender: Any, user: User, **kwargs: Any) -> None:
    if current_schema() == "public":
        platform_user_access_revoke(user=user)
