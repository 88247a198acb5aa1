"""Paid orders to invoice, made through the orders app's own services (checkout, placement with
the dummy gateway). Call inside the store's schema."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.checkout.models import TaxRate
from apps.core.events import Event
from apps.core.tenancy import current_schema
from apps.orders.models import Order
from apps.orders.tests.factories import checkout_ready, place, shipping_rate_make, variant_make
from apps.orders.timeline import order_payload


def taxed_order(
    *,
    price: str = "20.00",
    quantity: int = 2,
    shipping: str = "5.00",
    tax_on_shipping: bool = True,
    user: User | None = None,
    email: str = "erika@example.com",
) -> Order:
    """A paid order to Germany with 19 % VAT on its lines (and on shipping unless told not)."""
    TaxRate.objects.update_or_create(
        country="DE",
        region="",
        postal_code_prefix="",
        defaults={"rate": Decimal("0.19"), "name": "VAT", "applies_to_shipping": tax_on_shipping},
    )
    variant = variant_make(price=price, title="Leinenhemd Größe L")
    checkout = checkout_ready(
        items=[(variant, quantity)], rate=shipping_rate_make(amount=shipping), email=email, user=user
    )
    order = place(checkout).order
    order.refresh_from_db()
    assert order.paid_at is not None
    return order


def order_event(name: str, order: Order, **extra: Any) -> Event:
    """The event a subscriber gets, as the dispatcher builds it."""
    return Event(
        id=str(uuid.uuid4()),
        name=name,
        payload={**order_payload(order), **extra},
        schema_name=current_schema(),
    )
