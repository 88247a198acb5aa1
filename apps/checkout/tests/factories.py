"""Test data for carts and checkouts: variants with stock (through the catalog and inventory
services), carts, shipping zones and rates, tax rates, discounts, gift cards and checkouts.
Call inside the store's schema."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.checkout.models import (
    Cart,
    CartLine,
    Checkout,
    Discount,
    GiftCard,
    ShippingRate,
    ShippingZone,
    TaxRate,
)
from apps.customers.services import AddressInput
from apps.inventory.models import Location
from apps.inventory.services import location_save, stock_set


def location_make(*, is_active: bool = True) -> Location:
    code = f"loc-{uuid.uuid4().hex[:8]}"
    return location_save(
        location=Location(),
        name=f"Warehouse {code}",
        code=code,
        kind=Location.Kind.WAREHOUSE,
        priority=100,
        is_active=is_active,
    )


def variant_make(
    *,
    title: str = "Linen shirt",
    variant_title: str = "",
    price: str = "19.90",
    stock: int = 10,
    status: str = Product.Status.ACTIVE,
    location: Location | None = None,
) -> ProductVariant:
    """An active product's only variant with `stock` units on hand at one location (none for 0)."""
    sku = f"SKU-{uuid.uuid4().hex[:10].upper()}"
    options = (("Size", variant_title),) if variant_title else ()
    product = product_create(
        data=ProductInput(
            title=title,
            status=status,
            variants=(VariantInput(sku=sku, price=Decimal(price), options=options),),
        ),
        emit=False,
    )
    variant = product.variants.select_related("product").get()
    if stock:
        stock_set(variant=variant, location=location or location_make(), on_hand=stock, reason="test stock")
    return variant


def cart_make(*, user: User | None = None, currency: str = "EUR", status: str = Cart.Status.OPEN) -> Cart:
    return Cart.objects.create(user=user, currency=currency, status=status)


def line_make(*, cart: Cart, variant: ProductVariant, quantity: int = 1) -> CartLine:
    return CartLine.objects.create(
        cart=cart, variant=variant, quantity=quantity, unit_price_snapshot=variant.price
    )


# ------------------------------------------------------------------------------
# checkout: shipping, taxes, discounts, gift cards, checkouts
# ------------------------------------------------------------------------------
def zone_make(
    *,
    name: str = "",
    countries: tuple[str, ...] = ("DE",),
    regions: tuple[str, ...] = (),
    prefixes: tuple[str, ...] = (),
) -> ShippingZone:
    return ShippingZone.objects.create(
        name=name or f"Zone {uuid.uuid4().hex[:6]}",
        countries=list(countries),
        regions=list(regions),
        postal_code_prefixes=list(prefixes),
    )


def rate_make(
    *, zone: ShippingZone, name: str = "Standard", amount: str = "4.90", **fields: Any
) -> ShippingRate:
    return ShippingRate.objects.create(zone=zone, name=name, amount=Decimal(amount), **fields)


def pickup_location_make() -> Location:
    code = f"pick-{uuid.uuid4().hex[:8]}"
    location = location_make()
    Location.objects.filter(pk=location.pk).update(
        is_pickup=True,
        address_line1="Hauptstr. 1",
        city="Berlin",
        postal_code="10115",
        country="DE",
        code=code,
    )
    location.refresh_from_db()
    return location


def tax_make(*, country: str = "DE", rate: str = "0.19", name: str = "VAT", **fields: Any) -> TaxRate:
    return TaxRate.objects.create(country=country, rate=Decimal(rate), name=name, **fields)


def discount_make(
    *,
    code: str = "",
    kind: str = Discount.Kind.PERCENTAGE,
    value: str = "10",
    automatic: bool = False,
    products: list[Product] | None = None,
    collections: list[Any] | None = None,
    **fields: Any,
) -> Discount:
    if not automatic and not code:
        code = f"CODE{uuid.uuid4().hex[:6].upper()}"
    discount = Discount.objects.create(
        code=code,
        name=fields.pop("name", f"Discount {code or 'auto'}"),
        automatic=automatic,
        kind=kind,
        value=Decimal(value),
        **fields,
    )
    if products:
        discount.products.set(products)
    if collections:
        discount.collections.set(collections)
    return discount


def gift_card_make(
    *, amount: str = "50.00", code: str = "", currency: str = "EUR", **fields: Any
) -> GiftCard:
    from apps.checkout.services import gift_card_issue

    return gift_card_issue(amount=Decimal(amount), code=code, currency=currency, **fields)


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


def checkout_make(
    *,
    lines: int = 1,
    price: str = "19.90",
    quantity: int = 1,
    user: User | None = None,
    email: str = "shopper@example.com",
    currency: str = "EUR",
    address: AddressInput | None = None,
) -> Checkout:
    """An open checkout of a cart with `lines` variants in stock (and an email, and the address
    when given)."""
    from apps.checkout.services import checkout_address_set, checkout_contact_set, checkout_start

    cart = cart_make(user=user, currency=currency)
    location = location_make()
    for n in range(lines):
        line_make(
            cart=cart,
            variant=variant_make(title=f"Item {n}", price=price, location=location),
            quantity=quantity,
        )
    checkout = checkout_start(cart=cart, user=user)
    if email:
        checkout_contact_set(checkout=checkout, email=email)
    if address is not None:
        checkout_address_set(checkout=checkout, shipping_address=address)
    return checkout
