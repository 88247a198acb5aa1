"""The paying organisation (`Merchant`), who belongs to it (`Membership`), the one-time
tickets (`HandoffToken`) that carry a merchant from the console into a store's dashboard, and
the team's invitations (`TeamInvitation`) and audit trail (`TeamAuditEntry`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Merchant(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("company name"), max_length=150)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="merchants")

    class Meta:
        ordering = ["name"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        STAFF = "staff", _("Staff")
        FINANCE = "finance", _("Finance")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="platform_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"


class HandoffToken(models.Model):
    """A signed, single-use, short-lived ticket into one store's dashboard."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard hand-off")
        verbose_name_plural = _("dashboard hand-offs")

    def __str__(self) -> str:
        return f"{self.user} -> {self.tenant}"


class TeamInvitation(TimeStampedModel):
    """An emailed, expiring, single-use invitation to join a merchant's team with a role.

    Only a hash of the link's secret is kept: the link itself exists only in the email.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(_("expires"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("accepted or revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        constraints = [
            # One open invitation per address and merchant: a second one would be a second live link.
            models.UniqueConstraint(
                fields=["merchant", "email"],
                condition=models.Q(status="pending"),
                name="platform_invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="platform_invitation_email_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.merchant} ({self.role})"


class TeamAuditEntry(models.Model):
    """One change to a merchant's team: who did it, what, to whom, when and from which address.
    Rows are only ever added."""

    class Action(models.TextChoices):
        INVITE_SENT = "invite_sent", _("Invitation sent")
        INVITE_ACCEPTED = "invite_accepted", _("Invitation accepted")
        INVITE_REVOKED = "invite_revoked", _("Invitation revoked")
        MEMBER_ADDED = "member_added", _("Member added")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_DEACTIVATED = "member_deactivated", _("Member's account deactivated")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="team_audit_entries")
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the trail still names people whose accounts were deleted.
    actor_email = models.EmailField(_("by"), blank=True)
    target_email = models.EmailField(_("member"), blank=True)
    old_role = models.CharField(_("old role"), max_length=20, choices=Membership.Role.choices, blank=True)
    new_role = models.CharField(_("new role"), max_length=20, choices=Membership.Role.choices, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("team audit entry")
        verbose_name_plural = _("team audit entries")
        indexes = [models.Index(fields=["merchant", "-created_at"], name="platform_team_audit_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_email}"
