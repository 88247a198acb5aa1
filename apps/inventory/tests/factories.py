"""Test data for inventory: catalog variants (through the catalog's service) and locations.
Call inside the store's schema."""

from __future__ import annotations

import uuid
from decimal import Decimal

from apps.catalog.models import ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.inventory.models import Location
from apps.inventory.services import location_save


def variant_make(*, sku: str = "", title: str = "Linen shirt") -> ProductVariant:
    sku = sku or f"SKU-{uuid.uuid4().hex[:10].upper()}"
    product = product_create(
        data=ProductInput(title=title, variants=(VariantInput(sku=sku, price=Decimal("19.90")),)),
        emit=False,
    )
    return product.variants.get()


def location_make(*, code: str = "", name: str = "", priority: int = 100, is_active: bool = True) -> Location:
    code = code or f"loc-{uuid.uuid4().hex[:8]}"
    return location_save(
        location=Location(),
        name=name or f"Warehouse {code}",
        code=code,
        kind=Location.Kind.WAREHOUSE,
        priority=priority,
        is_active=is_active,
    )


def pickup_location_make(
    *,
    name: str = "",
    code: str = "",
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
    opening_hours: dict[str, list[list[str]]] | None = None,
    is_active: bool = True,
    city: str = "Berlin",
) -> Location:
    """A warehouse shoppers can collect orders from, saved through `location_save`."""
    from apps.inventory.pickup import PickupDetails

    code = code or f"shop-{uuid.uuid4().hex[:8]}"
    return location_save(
        location=Location(),
        name=name or f"Shop {code}",
        code=code,
        kind=Location.Kind.WAREHOUSE,
        priority=100,
        is_active=is_active,
        pickup=PickupDetails(
            is_pickup=True,
            address_line1="Torstraße 1",
            postal_code="10119",
            city=city,
            country="DE",
            phone="+49 30 1234567",
            latitude=Decimal(str(latitude)) if latitude is not None else None,
            longitude=Decimal(str(longitude)) if longitude is not None else None,
            opening_hours=opening_hours if opening_hours is not None else {"mon": [["09:00", "18:00"]]},
        ),
    )
