"""The vocabularies of fraud review: risk levels, the decisions staff take, and the signals an
assessment can record."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskDecision(models.TextChoices):
    """What staff decided about an assessed order ("" while nobody has)."""

    APPROVE = "approve", _("Approved")
    CANCEL = "cancel", _("Cancelled")


class SignalCode(models.TextChoices):
    """One reason an order looks risky; the sentence is built at read time from the code and
    the parameters stored with it (see `apps.fraud.signals.signal_message`)."""

    COUNTRY_MISMATCH = "country_mismatch", _("Billing and shipping countries differ")
    DISPOSABLE_EMAIL = "disposable_email", _("Disposable email address")
    HIGH_VALUE = "high_value", _("Order value far above the usual")
    DECLINED_PAYMENTS = "declined_payments", _("Declined payments")
    IP_VELOCITY = "ip_velocity", _("Many orders from one address")
    CARD_VELOCITY = "card_velocity", _("Many orders with one card")
    HIGH_RISK_COUNTRY = "high_risk_country", _("High-risk shipping country")
    IP_COUNTRY_MISMATCH = "ip_country_mismatch", _("Shopper's location differs from shipping country")
