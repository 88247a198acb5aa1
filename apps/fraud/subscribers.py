"""Event subscribers of the fraud app: every paid order is assessed."""

from __future__ import annotations

from apps.core.events import Event, subscribe
from apps.orders.models import Order
from apps.orders.timeline import ORDER_PAID


@subscribe(ORDER_PAID)
def assess_paid_order(event: Event) -> None:
    """Score the order that was just paid (a repeated delivery finds the assessment made)."""
    from apps.fraud.services import order_risk_assess

    reference = event.payload.get("order")
    order = Order.objects.filter(uuid=reference).first() if reference else None
    if order is not None:
        order_risk_assess(order)
