"""Errors of the notifications app, with stable codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class NotificationErrorCode(models.TextChoices):
    UNKNOWN_TEMPLATE = "unknown_template", _("Unknown template")
    UNKNOWN_LANGUAGE = "unknown_language", _("Unknown language")
    TEMPLATE_INVALID = "template_invalid", _("The template cannot be used")
    NOT_RESENDABLE = "not_resendable", _("This message cannot be sent again")
    SMS_NOT_CONFIGURED = "sms_not_configured", _("Text messages are not set up")
    SMS_FAILED = "sms_failed", _("The text message provider refused the message")
    NO_ADDRESS = "no_address", _("No address to send to")


class NotificationError(ApplicationError):
    code = NotificationErrorCode.TEMPLATE_INVALID
    codes = NotificationErrorCode
