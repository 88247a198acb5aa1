"""Reads for the console's team pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from apps.platform.models import Membership, Merchant, TeamAuditEntry, TeamInvitation


def team_members(*, merchant: Merchant) -> QuerySet[Membership]:
    return Membership.objects.filter(merchant=merchant).select_related("user").order_by("user__email")


def team_member(*, merchant: Merchant, user_uuid: str) -> Membership | None:
    """One member of `merchant`, by their platform user's UUID; None for anyone else's."""
    return team_members(merchant=merchant).filter(user__uuid=user_uuid).first()


def team_invitations_open(*, merchant: Merchant) -> QuerySet[TeamInvitation]:
    """Invitations not yet accepted or revoked, expired ones included (they show as expired)."""
    return (
        TeamInvitation.objects.filter(merchant=merchant, status=TeamInvitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def team_invitation(*, merchant: Merchant, invitation_id: str) -> TeamInvitation | None:
    return TeamInvitation.objects.filter(merchant=merchant, pk=invitation_id).first()


def team_owner_count(*, merchant: Merchant) -> int:
    return Membership.objects.filter(
        merchant=merchant, role=Membership.Role.OWNER, user__is_active=True
    ).count()


def team_audit_entries(*, merchant: Merchant) -> QuerySet[TeamAuditEntry]:
    """The merchant's team audit trail, newest first."""
    return TeamAuditEntry.objects.filter(merchant=merchant).order_by("-created_at", "-id")


def invitation_is_expired(invitation: TeamInvitation) -> bool:
    return invitation.expires_at <= timezone.now()


def team_seats_used(*, merchant: Merchant, store: object = None) -> int:
    """Seats a merchant's team takes on its plan: members plus invitations still open (an
    invitation holds its seat until it is accepted, revoked or runs out)."""
    members = Membership.objects.filter(merchant_id=merchant.pk).count()
    invited = TeamInvitation.objects.filter(
        merchant_id=merchant.pk, status=TeamInvitation.Status.PENDING, expires_at__gt=timezone.now()
    ).count()
    return members + invited
