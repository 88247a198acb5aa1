"""Helpers of the checkout page tests (test_checkout*.py): a store set up to sell (stock, a
shipping zone for Germany with a flat rate and a pickup point, 19 % VAT, test payments on), a
shopper's client with a filled cart, and walking the steps through the pages as a browser
without JavaScript would."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from apps.catalog.models import ProductVariant
from apps.checkout.models import Checkout, ShippingRate
from apps.checkout.tests.factories import (
    location_make,
    pickup_location_make,
    rate_make,
    tax_make,
    variant_make,
    zone_make,
)
from apps.orders.models import Order
from apps.payments.models import PAYMENT_SETTINGS_PK, PaymentSettings
from apps.payments.selectors import payment_settings_get
from tests.fixtures import StoreWorld, store_client

CARD_SUCCEEDS = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_AUTHENTICATION = "4000 0025 0000 3155"

ADDRESS = {
    "shipping-name": "Erika Mustermann",
    "shipping-line1": "Unter den Linden 1",
    "shipping-city": "Berlin",
    "shipping-postal_code": "10117",
    "shipping-country": "DE",
    "billing_same": "on",
}


@contextmanager
def inside(world: StoreWorld) -> Iterator[None]:
    with schema_context(world.tenant.schema_name):
        yield


@dataclass(frozen=True)
class Shop:
    variants: list[ProductVariant]
    standard: ShippingRate
    pickup: ShippingRate


def shop_make(world: StoreWorld, *, products: int = 1, price: str = "20.00", stock: int = 10) -> Shop:
    """`products` products in stock, shipping to Germany (flat 5.00, or pickup in Berlin for
    free), 19 % VAT, test payments and bank transfer on."""
    with inside(world):
        location = location_make()
        variants = [
            variant_make(title=f"Linen shirt {n}", price=price, stock=stock, location=location)
            for n in range(products)
        ]
        zone = zone_make(countries=("DE",))
        standard = rate_make(
            zone=zone, name="Standard", amount="5.00", delivery_days_min=2, delivery_days_max=4
        )
        pickup = rate_make(
            zone=zone, name="Pick up", amount="0", kind="pickup", pickup_location=pickup_location_make()
        )
        tax_make(country="DE", rate="0.19")
        payments_set(
            dummy_enabled=True, bank_transfer_enabled=True, bank_transfer_instructions="IBAN DE00 1234"
        )
        return Shop(variants=variants, standard=standard, pickup=pickup)


def payments_set(**values: Any) -> None:
    """This store's payment settings, written straight to the row (call inside the schema)."""
    payment_settings_get()
    PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(**values)


def cart_client(
    world: StoreWorld, lines: Sequence[tuple[ProductVariant, int]], client: Client | None = None
) -> Client:
    """A shopper's client whose cart holds `lines` (added through the cart page)."""
    client = client or store_client(world)
    for variant, quantity in lines:
        response = client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
        assert response.status_code == 302, response.content[:500]
    return client


def start(client: Client) -> str:
    """Open the checkout from the cart; returns its token."""
    response = client.get("/checkout/")
    assert response.status_code == 302, response.content[:500]
    match = re.match(r"^/checkout/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def url(token: str, step: str) -> str:
    return f"/checkout/{token}/{step}/"


def to_payment(
    client: Client,
    *,
    email: str = "erika@example.com",
    rate: ShippingRate | None = None,
    address: dict[str, str] | None = None,
) -> str:
    """Contact, address and shipping method done; returns the checkout's token."""
    token = start(client)
    assert client.post(url(token, "contact"), {"email": email}).status_code == 302
    response = client.post(url(token, "address"), address or ADDRESS)
    assert response.status_code == 302, response.content.decode()[:2000]
    if rate is not None:
        assert client.post(url(token, "shipping"), {"rate": rate.pk}).status_code == 302
    return token


def expected(client: Client, token: str) -> dict[str, str]:
    """The totals the payment page shows in its place form (what the shopper saw)."""
    html = client.get(url(token, "payment")).content.decode()
    total = re.search(r'name="expected_total" value="([^"]*)"', html)
    due = re.search(r'name="expected_amount_due" value="([^"]*)"', html)
    assert total and due, html[:3000]
    return {"expected_total": total.group(1), "expected_amount_due": due.group(1)}


def place(
    client: Client, token: str, *, method: str = "dummy", card: str = CARD_SUCCEEDS, **extra: str
) -> Any:
    data = {"method": method, "card_number": card, **expected(client, token), **extra}
    return client.post(url(token, "place"), data)


def checkout_of(world: StoreWorld, token: str) -> Checkout:
    with inside(world):
        return Checkout.objects.select_related("cart").get(token=uuid.UUID(token))


def orders_of(world: StoreWorld, token: str) -> list[Order]:
    with inside(world):
        return list(Order.objects.filter(checkout_token=uuid.UUID(token)).order_by("created_at"))


def on_hand(world: StoreWorld, variant: ProductVariant) -> tuple[int, int]:
    """(on hand, reserved) of `variant` over its stock levels."""
    from django.db.models import Sum

    from apps.inventory.models import StockLevel

    with inside(world):
        row = StockLevel.objects.filter(variant=variant).aggregate(
            on_hand=Sum("on_hand"), reserved=Sum("reserved")
        )
        return int(row["on_hand"] or 0), int(row["reserved"] or 0)


def money(value: str) -> Decimal:
    return Decimal(value)
