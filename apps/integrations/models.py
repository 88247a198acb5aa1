"""Outbound webhooks of one store.

A `WebhookEndpoint` is a URL the merchant wants events posted to, subscribed to a list of event
types (empty: every event). It signs with its `WebhookSecret`s (Standard Webhooks `whsec_`
secrets): one current secret, and after a rotation the previous ones until their `expires_at`,
so a receiver can switch secrets without losing a message.

A `WebhookDelivery` is one event for one endpoint: its body is fixed when the event fans out and
its `message_id` (the `webhook-id` header) stays the same on every retry and resend, so a
receiver can drop duplicates. Each try is a `WebhookAttempt` with bounded excerpts of what was
sent and what came back.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedCharField
from apps.core.models import TimeStampedModel
from apps.integrations.enums import (
    AttemptOutcome,
    AttemptTrigger,
    DeliveryStatus,
    DisabledReason,
)

EXCERPT_BYTES = 2048  # request and response bodies are kept up to this many bytes per attempt


class WebhookEndpoint(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(_("endpoint URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("event types"),
        default=list,
        blank=True,
        help_text=_("Leave empty to receive every event."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(
        _("disabled because"), max_length=20, choices=DisabledReason.choices, blank=True
    )
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    # The first failure since the last success; cleared by a success or by enabling again.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_active=True, disabled_reason="")
                | (Q(is_active=False) & ~Q(disabled_reason="")),
                name="integrations_endpoint_disabled_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookSecret(models.Model):
    """One signing secret of an endpoint; current while `expires_at` is empty."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = EncryptedCharField(max_length=100)  # stored encrypted (apps.core.encryption)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint"],
                condition=Q(expires_at__isnull=True),
                name="integrations_one_current_secret",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.secret[:10]}… ({self.endpoint_id})"


class WebhookDelivery(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(_("event"))
    message_id = models.CharField(_("message id"), max_length=40)
    event_type = models.CharField(_("event type"), max_length=100)
    body = models.TextField(_("body"))  # the exact JSON that is signed and posted, every time
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)  # automatic ones (the schedule)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    succeeded_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    dead_at = models.DateTimeField(_("given up"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="integrations_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="integrations_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["pending", "retrying"]) | Q(next_attempt_at__isnull=False),
                name="integrations_scheduled_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="integrations_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="integrations_delivery_endpoint"),
            models.Index(fields=["event_type", "-created_at"], name="integrations_delivery_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    trigger = models.CharField(
        max_length=20, choices=AttemptTrigger.choices, default=AttemptTrigger.AUTOMATIC
    )
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    attempted_at = models.DateTimeField()
    url = models.CharField(max_length=2000)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    request_headers = models.JSONField(default=dict)
    request_excerpt = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict)
    response_excerpt = models.TextField(blank=True)
    # When the next automatic attempt was planned after this one (None: none planned).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S} ({self.outcome})"
