"""What every team service shares: the schema it runs on, who may act, the last-owner count, the
audit entry, and the stores a merchant's members have accounts in."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.models import User
from apps.core.permissions import Perm, role_has_permission
from apps.platform.models import Membership, Merchant, TeamAuditEntry
from apps.platform.team.errors import TeamError, TeamErrorCode
from apps.tenants.models import Tenant

DEFAULT_INVITATION_TTL = timedelta(days=7)


def on_public_schema[F: Callable[..., Any]](func: F) -> F:
    """Run a team service on the public schema whatever the connection points at: memberships and
    platform users live there, and a store's own users table (same name) must never answer."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with schema_context(get_public_schema_name()):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def invitation_ttl() -> timedelta:
    seconds = getattr(settings, "TEAM_INVITATION_TTL_SECONDS", None)
    return timedelta(seconds=int(seconds)) if seconds else DEFAULT_INVITATION_TTL


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_label(role: str) -> str:
    try:
        return str(Membership.Role(role).label)
    except ValueError:
        return role


def clean_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise TeamError(
            _("“%(role)s” is not a role.") % {"role": role},
            code=TeamErrorCode.INVALID_ROLE,
            field="role",
            params={"role": role},
        )
    return role


def locked_merchant(merchant: Merchant) -> Merchant:
    # Every team change of one merchant takes this lock first, so two changes at once (two owners
    # demoting each other, two tabs accepting one invitation) are decided one after the other.
    return Merchant.objects.select_for_update().get(pk=merchant.pk)


def actor_membership_check(*, merchant: Merchant, actor: User, by_platform_staff: bool) -> Membership | None:
    """The actor's membership, which must carry `team.manage`; None for platform staff in the admin."""
    if by_platform_staff:
        if not (actor.is_active and actor.is_staff):
            raise TeamError(_("Only platform staff may do this."), code=TeamErrorCode.PERMISSION_DENIED)
        return None
    membership = Membership.objects.filter(merchant=merchant, user=actor).first()
    if membership is None or not role_has_permission(membership.role, Perm.TEAM_MANAGE):
        raise TeamError(
            _("Your role does not allow managing the team."), code=TeamErrorCode.PERMISSION_DENIED
        )
    return membership


def require_ownership(actor_membership: Membership | None) -> None:
    if actor_membership is not None and not role_has_permission(actor_membership.role, Perm.TEAM_OWNERSHIP):
        raise TeamError(
            _("Only an owner may grant, change or remove the owner role."),
            code=TeamErrorCode.OWNERSHIP_REQUIRED,
        )


def other_owner_count(*, merchant_id: int, membership: Membership) -> int:
    """Owners besides `membership` who can still sign in."""
    return (
        Membership.objects.filter(merchant_id=merchant_id, role=Membership.Role.OWNER, user__is_active=True)
        .exclude(pk=membership.pk)
        .count()
    )


def audit_write(
    *,
    merchant: Merchant,
    action: str,
    actor: User | None,
    target_email: str,
    ip_address: str | None,
    old_role: str = "",
    new_role: str = "",
) -> TeamAuditEntry:
    return TeamAuditEntry.objects.create(
        merchant=merchant,
        action=action,
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        target_email=target_email,
        old_role=old_role,
        new_role=new_role,
        ip_address=ip_address or None,
    )


def merchant_store_tenants(*, merchant_id: int) -> list[Tenant]:
    """The merchant's stores whose schema holds staff accounts: active and suspended ones (a
    suspended store that comes back must not bring back a removed member). A store still being
    provisioned seeds its staff from the memberships of that moment, and failed ones have no schema."""
    return list(
        Tenant.objects.filter(
            merchant_id=merchant_id, status__in=[Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED]
        ).order_by("pk")
    )
