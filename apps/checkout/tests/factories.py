"""Test data for carts: variants with stock (through the catalog and inventory services) and
carts. Call inside the store's schema."""

from __future__ import annotations

import uuid
from decimal import Decimal

from apps.accounts.models import User
from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.checkout.models import Cart, CartLine
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
