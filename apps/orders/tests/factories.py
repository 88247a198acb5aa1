"""Test data for orders, made through the owning apps' services: variants with stock, a
shipping rate, a checkout ready to pay, placed orders, drafts. Call inside the store's schema."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.catalog.models import ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.checkout.models import Cart, CartLine, Checkout, ShippingRate, ShippingZone, TaxRate
from apps.checkout.selectors.checkout import checkout_totals
from apps.checkout.services import (
    checkout_address_set,
    checkout_code_apply,
    checkout_contact_set,
    checkout_shipping_set,
    checkout_start,
)
from apps.customers.services import AddressInput
from apps.inventory.models import Location
from apps.inventory.services import location_save, stock_set
from apps.orders.drafts import DraftLine, draft_order_create
from apps.orders.models import Order
from apps.orders.placement import order_place
from apps.orders.settlement import Placement
from apps.payments.gateways.dummy import CARD_DECLINED, CARD_REQUIRES_AUTHENTICATION, CARD_SUCCEEDS
from apps.payments.models import PaymentSettings
from apps.payments.selectors import payment_settings_get
from apps.stores.selectors import store_currency_get

__all__ = [
    "CARD_DECLINED",
    "CARD_REQUIRES_AUTHENTICATION",
    "CARD_SUCCEEDS",
    "RETURN_URL",
]

RETURN_URL = "http://alpha.platform.test/checkout/return/"


def location_make(*, priority: int = 100) -> Location:
    code = f"loc-{uuid.uuid4().hex[:8]}"
    return location_save(
        location=Location(),
        name=f"Warehouse {code}",
        code=code,
        kind=Location.Kind.WAREHOUSE,
        priority=priority,
        is_active=True,
    )


def variant_make(
    *, price: str = "20.00", stock: int = 10, location: Location | None = None, title: str = "Linen shirt"
) -> ProductVariant:
    sku = f"SKU-{uuid.uuid4().hex[:10].upper()}"
    product = product_create(
        data=ProductInput(
            title=title, status="active", variants=(VariantInput(sku=sku, price=Decimal(price)),)
        ),
        emit=False,
    )
    variant = product.variants.select_related("product").get()
    if stock:
        stock_set(variant=variant, location=location or location_make(), on_hand=stock, reason="test stock")
    return variant


def shipping_rate_make(*, amount: str = "5.00") -> ShippingRate:
    zone = ShippingZone.objects.create(name=f"Germany {uuid.uuid4().hex[:6]}", countries=["DE"])
    return ShippingRate.objects.create(zone=zone, name="Standard", amount=Decimal(amount))


def tax_make(*, rate: str = "0.19") -> TaxRate:
    return TaxRate.objects.create(country="DE", rate=Decimal(rate), name="VAT")


def address_input(**changes: Any) -> AddressInput:
    values: dict[str, Any] = {
        "name": "Erika Mustermann",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    }
    values.update(changes)
    return AddressInput(**values)


def checkout_ready(
    *,
    items: Sequence[tuple[ProductVariant, int]],
    email: str = "shopper@example.com",
    user: User | None = None,
    rate: ShippingRate | None = None,
    codes: Sequence[str] = (),
) -> Checkout:
    """An open checkout with lines, contact, a German address and a shipping method chosen."""
    cart = Cart.objects.create(user=user, currency=store_currency_get())
    for variant, quantity in items:
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=quantity, unit_price_snapshot=variant.price
        )
    checkout = checkout_start(cart=cart, user=user)
    checkout_contact_set(checkout=checkout, email=email)
    checkout_address_set(checkout=checkout, shipping_address=address_input())
    checkout_shipping_set(checkout=checkout, rate_id=(rate or shipping_rate_make()).pk)
    for code in codes:
        checkout_code_apply(checkout=checkout, code=code)
    return Checkout.objects.select_related("cart", "user").get(pk=checkout.pk)


def place(
    checkout: Checkout,
    *,
    card: str = CARD_SUCCEEDS,
    gateway: str = "dummy",
    expected_total: Decimal | None = None,
) -> Placement:
    total = checkout_totals(checkout=checkout).total if expected_total is None else expected_total
    return order_place(
        checkout=checkout,
        gateway_code=gateway,
        payment_data={"card_number": card} if gateway == "dummy" else {},
        expected_total=total,
        return_url=RETURN_URL,
    )


def order_placed(
    *, price: str = "20.00", quantity: int = 1, card: str = CARD_SUCCEEDS, **kwargs: Any
) -> Order:
    variant = variant_make(price=price, stock=kwargs.pop("stock", 10))
    placement = place(checkout_ready(items=[(variant, quantity)], **kwargs), card=card)
    return placement.order


def draft_make(
    *, email: str = "draft@example.com", price: str = "30.00", quantity: int = 2, **kwargs: Any
) -> Order:
    variant = kwargs.pop("variant", None) or variant_make(price=price, stock=kwargs.pop("stock", 10))
    return draft_order_create(
        email=email,
        lines=[DraftLine(variant_id=variant.pk, quantity=quantity)],
        actor=kwargs.pop("actor", None),
        shipping_address=kwargs.pop(
            "shipping_address", {"name": "Max Muster", "country": "DE", "city": "Berlin"}
        ),
        **kwargs,
    )


def manual_payments_enable() -> PaymentSettings:
    payment_settings_get()
    PaymentSettings.objects.update(bank_transfer_enabled=True, bank_transfer_instructions="IBAN DE00 0000")
    return payment_settings_get()


def order_row(*, status: str = "pending", **fields: Any) -> Order:
    """A bare order row in `status` (for the state machine and selectors), numbered."""
    from django.db import transaction
    from django.utils import timezone

    from apps.orders.numbering import order_number_next

    values: dict[str, Any] = {
        "origin": "draft",
        "email": "row@example.com",
        "currency": store_currency_get(),
        "total": Decimal("10.00"),
        "subtotal": Decimal("10.00"),
    }
    if status not in ("pending", "cancelled"):
        values.update(paid_at=timezone.now(), amount_paid=Decimal("10.00"))
    if status == "cancelled":
        values["cancelled_at"] = timezone.now()
    values.update(fields)
    with transaction.atomic():
        return Order.objects.create(number=order_number_next(), status=status, **values)
