"""Test data for fulfilment, made through the owning apps' services (call inside a store's
schema): paid orders of one or more lines, shipments, refunds, supplier offers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from apps.catalog.models import ProductVariant
from apps.core.models import EventRecord
from apps.fulfilment.models import Fulfilment
from apps.fulfilment.services import fulfilment_create
from apps.orders.locks import order_lock
from apps.orders.models import Order
from apps.orders.refunds import order_refund
from apps.orders.settlement import order_money_status_sync
from apps.orders.tests.factories import checkout_ready, place, variant_make
from apps.sourcing.models import Supplier, SupplierOffer


def paid_order(*quantities: int, price: str = "20.00", variants: Sequence[ProductVariant] = ()) -> Order:
    """A paid checkout order with one line per quantity (each its own variant)."""
    items = (
        list(zip(variants, quantities, strict=True))
        if variants
        else [(variant_make(price=price, stock=50), quantity) for quantity in quantities]
    )
    order = place(checkout_ready(items=items)).order
    order.refresh_from_db()
    assert order.status == "paid", order.status
    return order


def ship(order: Order, *quantities: int, carrier: str = "dhl", number: str = "") -> Fulfilment:
    """Ship `quantities[i]` units of the order's i-th line (0 = none of it)."""
    lines = list(order.lines.order_by("position", "id"))
    chosen = [(line, quantity) for line, quantity in zip(lines, quantities, strict=False) if quantity]
    return fulfilment_create(
        order=order,
        lines=chosen,
        carrier=carrier,
        tracking_number=number or f"{uuid.uuid4().int % 10**10:010d}",
    )


def refund(order: Order, amount: str) -> Order:
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        order_refund(order=locked, amount=Decimal(amount), reason="test")
        order_money_status_sync(order=locked)
    order.refresh_from_db()
    return order


def supplier_offer(
    variant: ProductVariant, *, lead_time_days: int, ships_from: str, cost: str = "5.00"
) -> SupplierOffer:
    code = f"sup-{uuid.uuid4().hex[:8]}"
    supplier = Supplier.objects.create(
        name=code, code=code, lead_time_days=lead_time_days, ships_from_country=ships_from
    )
    return SupplierOffer.objects.create(
        supplier=supplier, variant=variant, supplier_sku=f"X-{code}", cost=Decimal(cost)
    )


def emitted(name: str) -> list[dict]:
    return [record.payload for record in EventRecord.objects.filter(name=name).order_by("created_at")]
