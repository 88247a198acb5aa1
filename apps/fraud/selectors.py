"""Reading fraud review data: the store's settings, an order's assessment and whether it is
held, and the review queue the dashboard lists."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from apps.core.tenancy import require_store
from apps.fraud.enums import RiskLevel
from apps.fraud.models import FRAUD_SETTINGS_PK, FraudSettings, RiskAssessment
from apps.orders.models import Order


def fraud_settings_get() -> FraudSettings:
    """This store's fraud settings, created with defaults on the first read. In the template
    schema new stores are cloned from, an unsaved default row is returned: a saved one would be
    copied into every new store."""
    schema = require_store()
    found = FraudSettings.objects.filter(pk=FRAUD_SETTINGS_PK).first()
    if found is not None:
        return found
    if schema == settings.TENANT_BASE_SCHEMA:
        return FraudSettings(pk=FRAUD_SETTINGS_PK)
    try:
        with transaction.atomic():
            return FraudSettings.objects.create(pk=FRAUD_SETTINGS_PK)
    except IntegrityError:  # created meanwhile by another request
        return FraudSettings.objects.get(pk=FRAUD_SETTINGS_PK)


def order_risk_assessment(order: Order) -> RiskAssessment | None:
    """The order's assessment, or None while it has none (not paid yet)."""
    return RiskAssessment.objects.filter(order_id=order.pk).select_related("decided_by").first()


def order_is_held(order: Order) -> bool:
    """Whether the order waits for a fraud review decision: assessed as high risk with holding
    switched on, and neither approved nor cancelled since. An order never assessed is not held
    (call `apps.fraud.services.order_risk_assess` first to be sure it has been)."""
    return RiskAssessment.objects.filter(order_id=order.pk, held=True).exists()


class QueueFilter:
    OPEN = "open"  # held, or medium/high without a decision
    HELD = "held"
    ALL = "all"  # every medium or high assessment, decided or not

    choices = (OPEN, HELD, ALL)


def risk_review_queue(*, which: str = QueueFilter.OPEN) -> QuerySet[RiskAssessment]:
    """The assessments a reviewer looks at: held orders first (oldest wait first would hide new
    ones, so newest first within each group), then recent medium and high ones."""
    risky = Q(level__in=[RiskLevel.MEDIUM, RiskLevel.HIGH])
    if which == QueueFilter.HELD:
        condition = Q(held=True)
    elif which == QueueFilter.ALL:
        condition = risky | Q(held=True)
    else:
        condition = Q(held=True) | (risky & Q(decision=""))
    return (
        RiskAssessment.objects.filter(condition)
        .select_related("order", "decided_by")
        .annotate(
            held_first=Case(When(held=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("held_first", "-created_at", "-id")
    )
