"""An order's customer record (apps.customers): attached when the order is created, its counters
moved once when the order counts and once back when it stops counting.

Checkout orders count from placement; draft orders from when they are paid. An order stops
counting when it is cancelled or refunded in full. `Order.customer_counted` keeps both moves
to once each.
"""

from __future__ import annotations

from django.utils import timezone

from apps.customers.errors import CustomerError
from apps.customers.services import customer_for_order, customer_order_recorded, customer_order_reverted
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order


def customer_attach(*, order: Order, name: str, phone: str = "") -> None:
    """Find or create the customer record of the order's email/account (not saved here)."""
    try:
        order.customer = customer_for_order(email=order.email, user=order.user, name=name, phone=phone)
    except CustomerError as exc:
        raise OrderError(
            exc.message, code=OrderErrorCode.EMAIL_INVALID, field="email", params=exc.params
        ) from exc


def customer_count(*, order: Order) -> None:
    if order.customer_id is None or order.customer_counted or order.customer is None:
        return
    customer_order_recorded(
        customer=order.customer, total=order.total, placed_at=order.placed_at or timezone.now()
    )
    order.customer_counted = True


def customer_uncount(*, order: Order) -> None:
    if order.customer is None or not order.customer_counted:
        return
    customer_order_reverted(customer=order.customer, total=order.total)
    order.customer_counted = False
