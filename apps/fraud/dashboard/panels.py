"""The fraud risk panel on the dashboard's order page (registered in `FraudConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.core.permissions import Perm, user_has_permission
from apps.fraud.enums import RiskLevel
from apps.fraud.selectors import order_risk_assessment
from apps.fraud.signals import signals_explained
from apps.orders.enums import OrderStatus
from apps.orders.models import Order


def risk_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order's score, level and each signal, and the review actions this reader may take;
    None (no panel) while the order has no assessment. One query, none for an order never
    paid (only paid orders are assessed)."""
    if order.paid_at is None:
        return None
    assessment = order_risk_assessment(order)
    if assessment is None:
        return None
    # What the review queue lists is what may be decided: held, or medium/high and undecided.
    undecided = (
        not assessment.decision
        and order.status != OrderStatus.CANCELLED
        and (assessment.held or assessment.level != RiskLevel.LOW)
    )
    return {
        "assessment": assessment,
        "signals": signals_explained(list(assessment.signals)),
        "may_decide": undecided and user_has_permission(request.user, Perm.FRAUD_REVIEW),
    }
