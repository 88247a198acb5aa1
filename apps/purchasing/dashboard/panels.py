"""The supplier orders panel on the dashboard's order page (registered in PurchasingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.orders.models import Order
from apps.purchasing.selectors import purchase_orders_for_order


def purchase_orders_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order's supplier orders with their lines (two queries); no panel without any. An
    order never paid has none, which is known without a query."""
    if order.paid_at is None:
        return None
    purchase_orders = purchase_orders_for_order(order)
    if not purchase_orders:
        return None
    return {"purchase_orders": purchase_orders}
