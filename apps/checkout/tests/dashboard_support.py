"""Test data and clients for the checkout set-up pages of the dashboard (shipping, taxes,
discounts, gift cards). Rows are written through the admin services, as the pages do; call the
`*_make` helpers inside the store's schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from apps.checkout import services
from apps.checkout.admin_services import (
    DiscountSaveInput,
    ShippingRateInput,
    ShippingZoneInput,
    TaxRateInput,
    discount_save,
    shipping_rate_save,
    shipping_zone_save,
    tax_rate_save,
)
from apps.checkout.models import Discount, GiftCard, ShippingRate, ShippingZone, TaxRate
from apps.stores.selectors import store_currency_get
from tests.fixtures import StoreWorld, make_store_user, store_client

ROLES = ("owner", "admin", "staff", "finance")


def role_client(world: StoreWorld, role: str) -> Client:
    """A client signed in to `world` as a new team member with `role` ("" = a shopper)."""
    user = make_store_user(world, f"{role or 'shopper'}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@contextmanager
def in_store(world: StoreWorld) -> Iterator[None]:
    with schema_context(world.tenant.schema_name):
        yield


def zone_make(
    *, name: str = "Europe", countries: tuple[str, ...] = ("DE", "FR"), **changes: Any
) -> ShippingZone:
    return shipping_zone_save(
        zone=ShippingZone(), data=ShippingZoneInput(name=name, countries=countries, **changes)
    )


def rate_make(
    *, zone: ShippingZone, name: str = "Standard", kind: str = "flat", amount: str = "4.90", **changes: Any
) -> ShippingRate:
    data = ShippingRateInput(name=name, kind=kind, amount=Decimal(amount), **changes)
    return shipping_rate_save(rate=ShippingRate(), zone=zone, data=data)


def tax_rate_make(*, country: str = "DE", rate: str = "0.19", name: str = "VAT", **changes: Any) -> TaxRate:
    data = TaxRateInput(country=country, rate=Decimal(rate), name=name, **changes)
    return tax_rate_save(tax_rate=TaxRate(), data=data)


def discount_make(
    *, code: str = "", name: str = "Summer sale", kind: str = "percentage", value: str = "10", **changes: Any
) -> Discount:
    code = code or f"CODE{uuid.uuid4().hex[:8].upper()}"
    data = DiscountSaveInput(name=name, kind=kind, value=Decimal(value), code=code, **changes)
    return discount_save(discount=Discount(), data=data)


def gift_card_make(*, amount: str = "25", code: str = "", **changes: Any) -> GiftCard:
    return services.gift_card_issue(
        amount=Decimal(amount), currency=store_currency_get(), code=code, actor=None, **changes
    )
