"""Event subscribers of the purchasing app (imported from PurchasingConfig.ready)."""

from __future__ import annotations

from apps.core.events import Event, subscribe
from apps.orders.models import Order


def _order(event: Event) -> Order | None:
    order_uuid = event.payload.get("order")
    if not order_uuid:
        return None
    return Order.objects.filter(uuid=str(order_uuid)).first()


@subscribe("order.paid", "order.risk_approved")
def purchase_orders_on_paid(event: Event) -> None:
    """Order the paid order's supplier items (idempotent: a second delivery changes nothing);
    after a fraud review lets the order go, send what it held."""
    from apps.purchasing.services import purchase_orders_sync

    order = _order(event)
    if order is not None:
        purchase_orders_sync(order=order)


@subscribe("order.cancelled")
def purchase_orders_on_cancelled(event: Event) -> None:
    """Call off supplier orders not placed yet; placed ones stay for staff to cancel with the
    supplier."""
    from apps.purchasing.services import purchase_orders_cancel_open

    order = _order(event)
    if order is not None:
        purchase_orders_cancel_open(order=order)
