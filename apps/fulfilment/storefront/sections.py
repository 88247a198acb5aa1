"""The shipments section of the shopper's order page (registered in FulfilmentConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.fulfilment.models import Fulfilment
from apps.fulfilment.selectors import fulfilments_for_order
from apps.orders.models import Order
from apps.orders.transitions import PAID_STATUSES


def shipments_section_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order's shipments (not the cancelled ones) with tracking links and scans; left out
    (no query) before the order is paid, and when nothing has shipped."""
    if order.status not in PAID_STATUSES:
        return None
    fulfilments: list[Fulfilment] = [f for f in fulfilments_for_order(order) if not f.is_cancelled]
    if not fulfilments:
        return None
    return {"fulfilments": fulfilments}
