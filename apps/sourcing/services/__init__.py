"""Sourcing writes, by seam: suppliers and their connector settings (`suppliers`), pricing rules,
supplier imports (`imports`) and the periodic sync of what suppliers offer (`sync`). Every
public name stays importable from `apps.sourcing.services`.

Sourcing never writes catalog rows itself: products, variants, images and import runs go
through `apps.catalog.services` (one product write path, one import-run module)."""

from __future__ import annotations

from apps.sourcing.services.imports import supplier_import_run, supplier_import_start
from apps.sourcing.services.pricing_rules import PricingRuleInput, pricing_rule_delete, pricing_rule_save
from apps.sourcing.services.suppliers import (
    MAX_VARIANT_SKU,
    SECRET_KEYS,
    SupplierInput,
    supplier_location,
    supplier_save,
    supplier_stock_put,
    variant_sku_for,
)
from apps.sourcing.services.sync import SyncResult, supplier_sync, supplier_sync_queue, supplier_syncable

__all__ = [
    "MAX_VARIANT_SKU",
    "SECRET_KEYS",
    "PricingRuleInput",
    "SupplierInput",
    "SyncResult",
    "pricing_rule_delete",
    "pricing_rule_save",
    "supplier_import_run",
    "supplier_import_start",
    "supplier_location",
    "supplier_save",
    "supplier_stock_put",
    "supplier_sync",
    "supplier_sync_queue",
    "supplier_syncable",
    "variant_sku_for",
]
