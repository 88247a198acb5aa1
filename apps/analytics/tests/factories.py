"""Test data for analytics (call inside a store's schema): raw visits, customers and paid orders
at a chosen store-local time, with their lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

from apps.analytics.daily import store_zone
from apps.analytics.models import Visit, VisitKind
from apps.customers.models import Customer
from apps.orders.models import Order, OrderLine
from apps.orders.tests.factories import order_row


def at(day: date, hour: int = 12) -> datetime:
    """`day` at `hour` o'clock in the store's time zone."""
    return datetime.combine(day, time(hour), tzinfo=store_zone())


def visit(
    day: date,
    session: str,
    kind: str = VisitKind.HOME,
    *,
    hour: int = 12,
    source: str = "",
    landing: bool = False,
    product_id: int | None = None,
    order_id: int | None = None,
) -> Visit:
    return Visit.objects.create(
        at=at(day, hour),
        session=session,
        kind=kind,
        source=source,
        landing=landing,
        product_id=product_id,
        order_id=order_id,
    )


def customer_make(email: str = "") -> Customer:
    return Customer.objects.create(
        email=email or f"c-{uuid.uuid4().hex[:8]}@example.com", full_name="Ann Shopper"
    )


def paid_row(
    day: date,
    total: str = "10.00",
    *,
    customer: Customer | None = None,
    origin: str = "draft",
    status: str = "paid",
    hour: int = 12,
    product_id: int | None = None,
    title: str = "Linen shirt",
    quantity: int = 1,
) -> Order:
    """A paid order row of `total` paid on `day`, with one line (of `product_id` when given)."""
    amount = Decimal(total)
    order = order_row(
        status=status,
        origin=origin,
        total=amount,
        subtotal=amount,
        amount_paid=amount,
        paid_at=at(day, hour) if status not in ("pending", "cancelled") else None,
        customer=customer,
        email=customer.email if customer else "row@example.com",
        checkout_token=uuid.uuid4() if origin == "checkout" else None,
    )
    OrderLine.objects.create(
        order=order,
        product_id_snapshot=product_id,
        product_title=title,
        quantity=quantity,
        unit_price=amount / quantity,
        subtotal=amount,
        total=amount,
    )
    return order
