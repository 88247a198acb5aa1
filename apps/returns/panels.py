"""What returns add to other apps' pages: the panel on the dashboard's order page (refund button,
the order's return requests and refunds) and the section on the shopper's order page (their
requests, instructions, label, and the link to ask for a return)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from apps.core.permissions import Perm, user_has_permission
from apps.orders.models import Order
from apps.orders.transitions import PAID_STATUSES
from apps.returns.selectors import (
    order_refund_requests,
    order_refundable,
    order_returns,
    return_window,
    returnable_quantities,
)


def order_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The dashboard's order page: nothing (and no query) for an order that took no money."""
    if order.status not in PAID_STATUSES and order.amount_refunded <= 0:
        return None
    returns = order_returns(order)
    refunds = order_refund_requests(order)
    refundable = order_refundable(order)
    return {
        "returns": returns,
        "refund_requests": refunds,
        "refundable": refundable,
        "may_refund": user_has_permission(request.user, Perm.REFUNDS_CREATE) and refundable.total > 0,
    }


def order_section_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The shopper's order page: their requests, and the link to ask while the window is open
    (three queries when they have asked for nothing yet: requests, policy, delivery)."""
    returns = order_returns(order)
    can_request = False
    window = None
    if order.status in PAID_STATUSES:
        window = return_window(order)
        can_request = window.is_open(timezone.now())
        if can_request and returns:
            # Something was asked back already: is anything left to ask for?
            can_request = any(returnable_quantities(order).values())
    if not returns and not can_request:
        return None
    return {"returns": returns, "can_request": can_request, "window": window}
