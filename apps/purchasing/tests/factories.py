"""Test data for purchasing: suppliers with offers linked to variants, and paid orders made
through checkout (their `order.paid` runs the subscribers when the on-commit callbacks run)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from apps.catalog.models import ProductVariant
from apps.orders.models import Order
from apps.orders.tests.factories import CARD_SUCCEEDS, checkout_ready, place, variant_make
from apps.purchasing.models import PurchasingSettings
from apps.purchasing.selectors import purchasing_settings_get
from apps.sourcing.models import Supplier, SupplierOffer
from apps.sourcing.tests.factories import make_api_supplier, make_supplier
from apps.sourcing.tests.fakes import FakeSupplier


def api_supplier(fake: FakeSupplier, code: str, **overrides: Any) -> Supplier:
    supplier = make_api_supplier(fake, product_ids=[], code=code)
    if overrides:
        for name, value in overrides.items():
            setattr(supplier, name, value)
        supplier.save()
    return supplier


def manual_supplier(code: str = "handmade", **overrides: Any) -> Supplier:
    return make_supplier(name=f"Manual {code}", code=code, **overrides)


def offer_make(
    supplier: Supplier,
    variant: ProductVariant,
    *,
    cost: str = "5.00",
    stock: int = 50,
    available: bool = True,
    product_id: str = "",
    sku: str = "",
) -> SupplierOffer:
    return SupplierOffer.objects.create(
        supplier=supplier,
        variant=variant,
        supplier_sku=sku or f"{uuid.uuid4().int % 10**8}",
        supplier_product_id=product_id or f"1005{uuid.uuid4().int % 10**12:012d}",
        title=variant.product.title,
        cost=Decimal(cost),
        currency="EUR",
        stock=stock,
        is_available=available,
    )


def supplier_variant(supplier: Supplier, **offer: Any) -> tuple[ProductVariant, SupplierOffer]:
    variant = variant_make(price=offer.pop("price", "20.00"), stock=offer.pop("our_stock", 10))
    return variant, offer_make(supplier, variant, **offer)


def order_paid(items: Sequence[tuple[ProductVariant, int]], **kwargs: Any) -> Order:
    """A checkout paid by card (the dummy gateway): the order is paid when this returns; its
    events go out with the caller's on-commit callbacks."""
    return place(checkout_ready(items=list(items), **kwargs), card=CARD_SUCCEEDS).order


def settings_set(**values: Any) -> PurchasingSettings:
    purchasing_settings_get()
    PurchasingSettings.objects.update(**values)
    return purchasing_settings_get()


def po_row(*, status: str = "needs_attention", supplier: Supplier | None = None, **fields: Any) -> Any:
    """A bare purchase order with one line, on a bare paid order (for pages and selectors)."""
    from apps.orders.models import OrderLine
    from apps.orders.tests.factories import order_row
    from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine

    supplier = supplier or Supplier.objects.filter(code="rows").first() or manual_supplier("rows")
    order = order_row(status="paid")
    line = OrderLine.objects.create(order=order, product_title="Row item", sku="ROW-1", quantity=1)
    values: dict[str, Any] = {"currency": "EUR", "cost": Decimal("4.00")}
    if status in ("placed", "shipped", "delivered"):
        values["supplier_order_id"] = f"SO-{uuid.uuid4().hex[:6]}"
    values.update(fields)
    po = PurchaseOrder.objects.create(order=order, supplier=supplier, status=status, **values)
    PurchaseOrderLine.objects.create(
        purchase_order=po,
        order_line=line,
        title="Row item",
        supplier_sku="R-1",
        quantity=1,
        unit_cost=Decimal("4.00"),
    )
    return po
