"""Public-schema tables of store payments: which store a Stripe connected account belongs to,
and every Stripe Connect webhook event as received (stored before it is handled)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class ConnectedAccountRoute(TimeStampedModel):
    """Stripe account id -> the store (tenant) that connected it. Written when a store creates its
    account; never removed when a store reconnects another one, so late events of the old account
    (a refund, a dispute) still find their store."""

    account_id = models.CharField(_("Stripe account"), max_length=255, unique=True)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        related_name="stripe_account_routes",
        verbose_name=_("store"),
    )

    class Meta:
        verbose_name = _("connected Stripe account")
        verbose_name_plural = _("connected Stripe accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(account_id__startswith="acct_"), name="payments_platform_route_account_form"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} -> {self.tenant_id}"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored")


class StripeWebhookEvent(models.Model):
    """One Stripe event as delivered to the Connect endpoint, unique on Stripe's event id: a
    redelivery finds the row and does nothing twice. `status` says how far handling got;
    `attempts` counts deliveries that tried to handle it, `last_error` keeps the last failure."""

    Status = WebhookEventStatus

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    account = models.CharField(_("Stripe account"), max_length=255, blank=True, db_index=True)
    livemode = models.BooleanField(_("live mode"), default=False)
    event_created = models.DateTimeField(_("created at Stripe"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("Stripe webhook event")
        verbose_name_plural = _("Stripe webhook events")
        indexes = [models.Index(fields=["status", "received_at"], name="payments_pl_status_ix")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WebhookEventStatus.values),
                name="payments_platform_event_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.status})"
