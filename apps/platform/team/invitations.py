"""Invitations: emailed, expiring, single-use links that add a member when accepted."""

from __future__ import annotations

import logging
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.billing.limits import Limit, limit_check
from apps.platform.models import Membership, Merchant, TeamAuditEntry, TeamInvitation
from apps.platform.team.errors import TeamError, TeamErrorCode
from apps.platform.team.rules import (
    actor_membership_check,
    audit_write,
    clean_role,
    invitation_ttl,
    locked_merchant,
    on_public_schema,
    require_ownership,
    role_label,
    token_hash,
)
from apps.platform.team.stores import member_store_accounts_sync

logger = logging.getLogger(__name__)


def invitation_url(*, token: str) -> str:
    """The link in an invitation email: always on PLATFORM_URL, never on the request's host."""
    path = reverse(
        "platform:team_invitation", kwargs={"token": token}, urlconf=settings.PUBLIC_SCHEMA_URLCONF
    )
    return settings.PLATFORM_URL.rstrip("/") + path


def _invitation_email_send(*, invitation: TeamInvitation, token: str, inviter: User) -> None:
    context = {
        "merchant_name": invitation.merchant.name,
        "role": role_label(invitation.role),
        "inviter": inviter.get_full_name(),
        "url": invitation_url(token=token),
        "expires_at": invitation.expires_at,
        "platform_name": settings.PLATFORM_NAME,
    }
    subject = render_to_string("platform/email/team_invite_subject.txt", context).strip()
    body = render_to_string("platform/email/team_invite.txt", context)
    try:
        send_mail(
            subject=f"[{settings.PLATFORM_NAME}] {subject}",
            message=body,
            from_email=None,
            recipient_list=[invitation.email],
        )
    except Exception:
        # The invitation stays listed as pending; the owner can revoke it and invite again.
        logger.exception("team invitation email to merchant %s failed", invitation.merchant_id)


@on_public_schema
@transaction.atomic
def team_member_invite(
    *, merchant: Merchant, actor: User, email: str, role: str, ip_address: str | None
) -> TeamInvitation:
    """Invite `email` to the merchant's team with `role`: an expiring, single-use link is emailed
    once the transaction commits."""
    email = (email or "").strip().lower()
    try:
        if len(email) > TeamInvitation._meta.get_field("email").max_length:  # type: ignore[operator]
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as exc:
        raise TeamError(
            _("Enter a valid email address."),
            code=TeamErrorCode.INVALID_EMAIL,
            field="email",
            params={"email": email},
        ) from exc
    role = clean_role(role)
    merchant = locked_merchant(merchant)
    actor_membership = actor_membership_check(merchant=merchant, actor=actor, by_platform_staff=False)
    if role == Membership.Role.OWNER:
        require_ownership(actor_membership)
    if Membership.objects.filter(merchant=merchant, user__email__iexact=email).exists():
        raise TeamError(
            _("%(email)s is already a member of the team.") % {"email": email},
            code=TeamErrorCode.ALREADY_MEMBER,
            field="email",
            params={"email": email},
        )
    now = timezone.now()
    # A pending invitation whose link has run out no longer blocks a new one.
    TeamInvitation.objects.filter(
        merchant=merchant, email=email, status=TeamInvitation.Status.PENDING, expires_at__lte=now
    ).update(status=TeamInvitation.Status.EXPIRED, closed_at=now)
    if TeamInvitation.objects.filter(
        merchant=merchant, email=email, status=TeamInvitation.Status.PENDING
    ).exists():
        raise TeamError(
            _("%(email)s already has an open invitation. Revoke it first to send a new one.")
            % {"email": email},
            code=TeamErrorCode.ALREADY_INVITED,
            field="email",
            params={"email": email},
        )
    # An open invitation holds a seat (see team_seats_used); the plan's lock is held until commit.
    limit_check(merchant=merchant, limit=Limit.STAFF_SEATS)
    token = secrets.token_urlsafe(32)
    invitation = TeamInvitation.objects.create(
        merchant=merchant,
        email=email,
        role=role,
        token_hash=token_hash(token),
        expires_at=now + invitation_ttl(),
        invited_by=actor,
    )
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.INVITE_SENT,
        actor=actor,
        target_email=email,
        new_role=role,
        ip_address=ip_address,
    )
    transaction.on_commit(lambda: _invitation_email_send(invitation=invitation, token=token, inviter=actor))
    return invitation


@on_public_schema
@transaction.atomic
def team_invitation_revoke(
    *, invitation: TeamInvitation, actor: User, ip_address: str | None
) -> TeamInvitation:
    merchant = locked_merchant(invitation.merchant)
    actor_membership = actor_membership_check(merchant=merchant, actor=actor, by_platform_staff=False)
    if invitation.role == Membership.Role.OWNER:
        require_ownership(actor_membership)
    now = timezone.now()
    closed = TeamInvitation.objects.filter(pk=invitation.pk, status=TeamInvitation.Status.PENDING).update(
        status=TeamInvitation.Status.REVOKED, closed_at=now
    )
    if closed != 1:
        raise TeamError(
            _("This invitation is no longer open."),
            code=TeamErrorCode.INVITATION_NOT_PENDING,
            params={"email": invitation.email},
        )
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.INVITE_REVOKED,
        actor=actor,
        target_email=invitation.email,
        old_role=invitation.role,
        ip_address=ip_address,
    )
    invitation.refresh_from_db()
    return invitation


@on_public_schema
def invitation_for_token(*, token: str) -> TeamInvitation | None:
    if not token:
        return None
    return TeamInvitation.objects.select_related("merchant").filter(token_hash=token_hash(token)).first()


def invitation_check(*, invitation: TeamInvitation | None) -> TeamInvitation:
    """The invitation if it can still be accepted; otherwise a TeamError saying why not."""
    if invitation is None:
        raise TeamError(
            _("This invitation link is not valid. Ask the team's owner for a new one."),
            code=TeamErrorCode.INVITATION_INVALID,
        )
    if invitation.status == TeamInvitation.Status.ACCEPTED:
        raise TeamError(
            _("This invitation was already used. Each invitation link works only once."),
            code=TeamErrorCode.INVITATION_USED,
        )
    if invitation.status == TeamInvitation.Status.REVOKED:
        raise TeamError(
            _("This invitation was revoked. Ask the team's owner for a new one."),
            code=TeamErrorCode.INVITATION_REVOKED,
        )
    if invitation.status == TeamInvitation.Status.EXPIRED or invitation.expires_at <= timezone.now():
        raise TeamError(
            _("This invitation has expired. Ask the team's owner for a new one."),
            code=TeamErrorCode.INVITATION_EXPIRED,
        )
    return invitation


def user_owns_address(*, user: User, email: str) -> bool:
    """Whether `user` has verified `email` (an invitation goes to an address, not to an account)."""
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@on_public_schema
@transaction.atomic
def team_invitation_accept(*, token: str, user: User, ip_address: str | None) -> Membership:
    """Join the team the invitation is for, as the signed-in `user`, who must have verified the
    invited address. Creates the membership and the member's staff account in each store."""
    invitation = invitation_check(invitation=invitation_for_token(token=token))
    merchant = locked_merchant(invitation.merchant)
    # Read again under the merchant's lock: a second tab accepting the same link waits here and
    # then finds it used.
    invitation = invitation_check(
        invitation=TeamInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    )
    if not user.is_active or not user_owns_address(user=user, email=invitation.email):
        raise TeamError(
            _(
                "This invitation was sent to %(invited)s, but you are signed in as %(current)s. "
                "Sign in with the invited address to accept it."
            )
            % {"invited": invitation.email, "current": user.email},
            code=TeamErrorCode.WRONG_ACCOUNT,
            params={"invited": invitation.email, "current": user.email},
        )
    if Membership.objects.filter(merchant=merchant, user=user).exists():
        raise TeamError(
            _("You are already a member of %(merchant)s.") % {"merchant": merchant.name},
            code=TeamErrorCode.ALREADY_MEMBER,
            params={"merchant": merchant.name},
        )
    # The invitation already holds its seat (accepting turns it into a member): refused only if
    # the plan has shrunk below the seats in use since it was sent.
    limit_check(merchant=merchant, limit=Limit.STAFF_SEATS, adding=0)
    now = timezone.now()
    TeamInvitation.objects.filter(pk=invitation.pk).update(
        status=TeamInvitation.Status.ACCEPTED, accepted_by=user, closed_at=now
    )
    membership = Membership.objects.create(merchant=merchant, user=user, role=invitation.role)
    member_store_accounts_sync(membership=membership)
    audit_write(
        merchant=merchant,
        action=TeamAuditEntry.Action.INVITE_ACCEPTED,
        actor=user,
        target_email=user.email,
        new_role=invitation.role,
        ip_address=ip_address,
    )
    return membership
