"""Fraud review: how risky each paid order looks, why, and what staff decided about it.

`RiskAssessment` is one row per order (a unique one-to-one: assessing twice, even at the same
moment, leaves one row). Its `signals` are stored as codes, weights and parameters, never
sentences, so they read in the reader's language. `FraudSettings` is the store's one row of
thresholds and the high-risk country list. `OrderRiskContext` keeps what the storefront saw when
the shopper placed the order (their address on the network), keyed by checkout token, because
no other app records it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.fraud.enums import RiskDecision, RiskLevel

FRAUD_SETTINGS_PK = 1

# Where card fraud most often ships to in the payment providers' published risk lists; only a
# starting point, each store edits its own list.
DEFAULT_HIGH_RISK_COUNTRIES = ("CI", "CM", "GH", "ID", "NG", "PK", "VN")


def default_high_risk_countries() -> list[str]:
    return list(DEFAULT_HIGH_RISK_COUNTRIES)


class FraudSettings(TimeStampedModel):
    """This store's fraud rules: from which score an order is medium or high risk, whether high-
    risk orders are held for review, and which shipping countries count as high risk. One row
    per schema; read it with `apps.fraud.selectors.fraud_settings_get`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=FRAUD_SETTINGS_PK, editable=False)
    medium_threshold = models.PositiveSmallIntegerField(_("medium risk from score"), default=30)
    high_threshold = models.PositiveSmallIntegerField(_("high risk from score"), default=60)
    hold_high_risk = models.BooleanField(_("hold high-risk orders for review"), default=True)
    high_risk_countries = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("high-risk shipping countries"),
        default=default_high_risk_countries,
        blank=True,
    )

    class Meta:
        verbose_name = _("fraud settings")
        verbose_name_plural = _("fraud settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=FRAUD_SETTINGS_PK), name="fraud_settings_single_row"),
            models.CheckConstraint(
                condition=Q(medium_threshold__gte=1)
                & Q(medium_threshold__lt=F("high_threshold"))
                & Q(high_threshold__lte=100),
                name="fraud_settings_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Fraud settings"))


class RiskAssessment(TimeStampedModel):
    """How risky one order looked when it was paid, each signal with its weight, and the staff
    decision about it. A held order waits for that decision before anything is shipped or
    bought from a supplier."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="risk_assessment", verbose_name=_("order")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("risk"), max_length=10, choices=RiskLevel.choices)
    # [{"code": SignalCode, "weight": int, "params": {...}}], heaviest first.
    signals = models.JSONField(_("signals"), default=list, blank=True)
    held = models.BooleanField(_("held for review"), default=False)
    # What the assessment saw, kept for velocity counts and for the reviewer.
    ip_address = models.GenericIPAddressField(_("shopper's address"), null=True, blank=True)
    card_fingerprint = models.CharField(_("card fingerprint"), max_length=100, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=RiskDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="fraud_assessment_score_range"),
            models.CheckConstraint(
                condition=Q(level__in=RiskLevel.values), name="fraud_assessment_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=RiskDecision.values),
                name="fraud_assessment_decision_valid",
            ),
            # A decided order is never held, and a decision always says when it was taken.
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False, held=False)),
                name="fraud_assessment_decision_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], condition=Q(held=True), name="fraud_assessment_held"),
            models.Index(fields=["level", "-created_at"], name="fraud_assessment_level"),
            models.Index(fields=["card_fingerprint", "created_at"], name="fraud_assessment_card"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.level} ({self.score})"


class OrderRiskContext(TimeStampedModel):
    """What the storefront saw of the shopper when they placed a checkout's order: the network
    address (as `apps.platform.access.client_ip` reads it) and, where a trusted proxy reports
    it, that address's country. One row per checkout; a retry from elsewhere overwrites it."""

    checkout_token = models.UUIDField(_("checkout"), unique=True)
    ip_address = models.GenericIPAddressField(_("shopper's address"), null=True, blank=True)
    ip_country = models.CharField(_("address's country"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("order risk context")
        verbose_name_plural = _("order risk contexts")
        indexes = [models.Index(fields=["ip_address", "created_at"], name="fraud_context_ip")]

    def __str__(self) -> str:
        return f"{self.checkout_token} {self.ip_address or '-'}"
