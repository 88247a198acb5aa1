"""Email templates merchants override, the log of every email and text message sent, and the
store's SMS provider settings (one row per schema)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedCharField
from apps.core.models import TimeStampedModel

SMS_SETTINGS_PK = 1


class EmailTemplate(TimeStampedModel):
    """A merchant's own subject, HTML and text for one template in one language; without a row
    the project's default (translated) is used. Sources are Jinja2, checked when saved and
    rendered in a sandbox (see `apps.notifications.rendering`)."""

    name = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=500)
    body_html = models.TextField(_("HTML body"))
    body_text = models.TextField(_("text body"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "language"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"], name="notifications_template_unique_language"
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="notifications_template_subject_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Delivery(TimeStampedModel):
    """One email or text message: queued, then sent or failed. `key` makes a send idempotent
    (an event delivered twice sends once). `context` holds the plain data the message is
    rendered from at send time (never secrets such as a password-reset link)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.CharField(_("template"), max_length=40, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    to = models.CharField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    order_uuid = models.UUIDField(_("order"), null=True, blank=True, db_index=True)
    context = models.JSONField(_("data"), default=dict, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed"]),
                name="notifications_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]), name="notifications_delivery_channel_valid"
            ),
            models.CheckConstraint(condition=~Q(to=""), name="notifications_delivery_to_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.status})"


class SmsSettings(TimeStampedModel):
    """The store's text-message provider (Twilio's Messages API). One row per schema."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=SMS_SETTINGS_PK, editable=False)
    enabled = models.BooleanField(_("send shipping updates by text message"), default=False)
    account_sid = models.CharField(_("account SID"), max_length=64, blank=True)
    auth_token = EncryptedCharField(_("auth token"), max_length=128, blank=True)  # stored encrypted
    from_number = models.CharField(_("from number"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=SMS_SETTINGS_PK), name="notifications_sms_settings_single_row"
            ),
            models.CheckConstraint(
                condition=Q(enabled=False) | (~Q(account_sid="") & ~Q(auth_token="") & ~Q(from_number="")),
                name="notifications_sms_settings_complete_when_enabled",
            ),
        ]

    def __str__(self) -> str:
        return str(_("SMS settings"))
