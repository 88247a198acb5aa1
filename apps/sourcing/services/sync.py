"""Supplier sync (`supplier_sync_queue` -> task -> `supplier_sync`): refreshes cost, stock and
availability of a supplier's linked offers; a changed cost re-prices the variant, the stock goes
to the supplier's inventory location, and a product the supplier no longer has is unpublished
(DRAFT) with `sync_status` ERROR. One product per transaction, one supplier per task: a failing
supplier leaves the others alone.

Products are changed only through the catalog's services (`variant_cost_price_set`,
`product_supplier_sync_record`, `products_sync_state_set`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.catalog.services import (
    product_supplier_sync_record,
    products_sync_state_set,
    variant_cost_price_set,
)
from apps.core.errors import ApplicationError
from apps.core.tenancy import current_schema
from apps.inventory.models import Location, StockMovement
from apps.sourcing.connectors import SupplierItemVariant
from apps.sourcing.connectors.factory import connector_for, store_currency
from apps.sourcing.errors import SourcingError, SupplierInvalid
from apps.sourcing.models import PricingRule, Supplier, SupplierOffer
from apps.sourcing.pricing import price_apply_rule, pricing_rule_for
from apps.sourcing.services.suppliers import supplier_location, supplier_stock_put

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    supplier_id: int
    ok: bool
    offers: int = 0
    repriced: int = 0
    unavailable: int = 0
    unpublished: int = 0
    error: str = ""  # for people, in the worker's language; tasks return the code and params
    error_code: str = ""
    error_params: dict[str, Any] = field(default_factory=dict)


def supplier_syncable() -> QuerySet[Supplier]:
    """Suppliers the periodic sync visits."""
    return Supplier.objects.filter(is_active=True, sync_enabled=True).exclude(
        connector=Supplier.Connector.MANUAL
    )


@transaction.atomic
def supplier_sync_queue(*, supplier: Supplier) -> None:
    """Mark the supplier's products PENDING and queue its sync once this transaction commits."""
    from apps.sourcing.tasks import supplier_sync_task

    if not supplier.is_active:
        raise SupplierInvalid(
            _("%(supplier)s is inactive; activate it to sync.") % {"supplier": supplier.name}
        )
    if supplier.connector == Supplier.Connector.MANUAL:
        raise SupplierInvalid(
            _("%(supplier)s is a manual supplier: import a new file to update it.")
            % {"supplier": supplier.name}
        )
    products_sync_state_set(
        products=Product.objects.filter(variants__supplier_offers__supplier=supplier).exclude(
            sync_status=Product.SyncStatus.PENDING
        ),
        status=Product.SyncStatus.PENDING,
    )
    schema = current_schema()
    supplier_id = supplier.pk
    transaction.on_commit(
        lambda: supplier_sync_task.apply_async(args=(supplier_id,), headers={"_schema_name": schema})
    )


def _sync_failed(supplier: Supplier, *, message: str, now: Any) -> None:
    products_sync_state_set(
        products=Product.objects.filter(variants__supplier_offers__supplier=supplier),
        status=Product.SyncStatus.ERROR,
        error=message,
        at=now,
    )
    Supplier.objects.filter(pk=supplier.pk).update(last_sync_error=message, updated_at=now)


def _offer_sync(
    *,
    offer: SupplierOffer,
    found: SupplierItemVariant | None,
    rule: PricingRule | None,
    location: Location,
    supplier: Supplier,
    now: Any,
    notes: list[str],
) -> tuple[bool, bool]:
    """Bring one offer (and its variant's cost, price and supplier stock) up to date.
    Returns (variant repriced, still available)."""
    repriced = False
    if found is None:
        offer.is_available, offer.stock = False, 0
    elif found.currency != offer.currency and found.currency != store_currency():
        notes.append(
            _("%(sku)s is now priced in %(currency)s; its cost was not changed.")
            % {"sku": offer.supplier_sku, "currency": found.currency}
        )
        offer.is_available, offer.stock = found.available, found.stock
    else:
        offer.cost, offer.currency = found.cost, found.currency
        offer.is_available, offer.stock = found.available, found.stock
        variant = offer.variant
        if variant is not None and variant.cost != found.cost:
            price, compare_at = price_apply_rule(cost=found.cost, rule=rule)
            variant_cost_price_set(variant=variant, cost=found.cost, price=price, compare_at_price=compare_at)
            repriced = True
    offer.last_synced_at = now
    offer.save(update_fields=["cost", "currency", "is_available", "stock", "last_synced_at", "updated_at"])
    if offer.variant is not None:
        warning = supplier_stock_put(
            variant=offer.variant,
            location=location,
            on_hand=offer.stock if offer.is_available else 0,
            kind=StockMovement.Kind.SUPPLIER_SYNC,
            reason=_("Supplier sync"),
            reference=f"supplier:{supplier.code}",
        )
        if warning:
            notes.append(warning)
    return repriced, offer.is_available


@dataclass
class _SyncCounts:
    repriced: int = 0
    unavailable: int = 0
    unpublished: int = 0


def _product_sync(
    *,
    product_id: int | None,
    offers: list[SupplierOffer],
    offered: dict[str, SupplierItemVariant],
    rule: PricingRule | None,
    location: Location,
    supplier: Supplier,
    now: Any,
    counts: _SyncCounts,
) -> None:
    """Sync the offers behind one product, then its status: unpublished when none is left."""
    notes: list[str] = []
    available_count = 0
    missing = []
    changed = False
    for offer in offers:
        found = offered.get(offer.supplier_sku)
        was_repriced, is_available = _offer_sync(
            offer=offer, found=found, rule=rule, location=location, supplier=supplier, now=now, notes=notes
        )
        changed |= was_repriced
        counts.repriced += int(was_repriced)
        available_count += int(is_available)
        counts.unavailable += int(not is_available)
        if found is None:
            missing.append(offer.supplier_sku)
    if product_id is None:
        return
    if available_count == 0:
        notes.insert(0, _("No longer available from %(supplier)s.") % {"supplier": supplier.name})
    elif missing:
        notes.insert(
            0,
            _("%(supplier)s no longer offers: %(skus)s.")
            % {"supplier": supplier.name, "skus": ", ".join(missing)},
        )
    unpublished = product_supplier_sync_record(
        product_id=product_id, notes=" ".join(notes), unpublish=available_count == 0, changed=changed, at=now
    )
    counts.unpublished += int(unpublished)


def supplier_sync(*, supplier: Supplier) -> SyncResult:
    """Refresh cost, stock and availability of everything linked to `supplier` (the task's body).
    Each product is its own transaction; one that cannot be updated is marked, the rest go on."""
    now = timezone.now()
    offers = list(SupplierOffer.objects.filter(supplier=supplier).select_related("variant__product"))
    try:
        connector = connector_for(supplier)
        ids = {offer.supplier_product_id for offer in offers if offer.supplier_product_id}
        items = connector.fetch_items(ids) if ids else []
    except SourcingError as exc:
        logger.warning("supplier %s sync failed: %s", supplier.code, exc.code)
        _sync_failed(supplier, message=exc.message, now=now)
        return SyncResult(
            supplier_id=supplier.pk,
            ok=False,
            offers=len(offers),
            error=exc.message,
            error_code=str(exc.code),
            error_params=dict(exc.params),
        )
    offered = {variant.sku: variant for item in items for variant in item.variants}
    rule = pricing_rule_for(supplier=supplier)
    location = supplier_location(supplier=supplier)
    by_product: dict[int | None, list[SupplierOffer]] = defaultdict(list)
    for offer in offers:
        by_product[offer.variant.product_id if offer.variant is not None else None].append(offer)
    counts = _SyncCounts()
    for product_id, product_offers in by_product.items():
        try:
            with transaction.atomic():
                _product_sync(
                    product_id=product_id,
                    offers=product_offers,
                    offered=offered,
                    rule=rule,
                    location=location,
                    supplier=supplier,
                    now=now,
                    counts=counts,
                )
        except ApplicationError as exc:
            logger.warning("supplier %s: product %s not synced: %s", supplier.code, product_id, exc.code)
            if product_id is not None:
                products_sync_state_set(
                    products=Product.objects.filter(pk=product_id),
                    status=Product.SyncStatus.ERROR,
                    error=exc.message,
                    at=now,
                )
    Supplier.objects.filter(pk=supplier.pk).update(last_synced_at=now, last_sync_error="", updated_at=now)
    return SyncResult(
        supplier_id=supplier.pk,
        ok=True,
        offers=len(offers),
        repriced=counts.repriced,
        unavailable=counts.unavailable,
        unpublished=counts.unpublished,
    )
