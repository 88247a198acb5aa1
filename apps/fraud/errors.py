"""Fraud review errors: one `FraudErrorCode` per way a fraud operation can be refused."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class FraudErrorCode(models.TextChoices):
    FRAUD_ERROR = "fraud_error", _("Fraud review error")
    NOT_ASSESSED = "not_assessed", _("Order not assessed")
    ALREADY_DECIDED = "already_decided", _("Already decided")
    ORDER_CANCELLED = "order_cancelled", _("Order already cancelled")
    SETTINGS_INVALID = "settings_invalid", _("Invalid fraud settings")


class FraudError(ApplicationError):
    code = FraudErrorCode.FRAUD_ERROR
    codes = FraudErrorCode
