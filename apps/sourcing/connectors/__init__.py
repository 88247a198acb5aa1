"""Connectors: how we read what a supplier sells, whatever the supplier speaks.

Every connector turns its source into `SupplierItem`s (a product with its variants: cost, stock,
availability, options, images) and offers two reads:

- `fetch_catalog()`: everything the connector is set up to import (a whole feed, or the product
  ids configured for an API supplier);
- `fetch_items(ids)`: the current state of the given supplier product ids. An id missing from the
  answer means the supplier no longer offers that product.

Both raise `SourcingError` when the source cannot be read at all, and `FeedInvalid` (with one
`FeedProblem` per bad row) when it can be read but some rows are unusable; nothing is returned
half-parsed. Implementations: `feeds.CsvFeedConnector`, `feeds.JsonFeedConnector` (a URL fetched
through the SSRF guard, or an uploaded file for manual suppliers) and
`dropship_api.DropshipApiClient` (an AliExpress-style dropshipping API).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class SupplierItemVariant:
    sku: str  # the supplier's SKU, unique within the supplier
    cost: Decimal
    currency: str
    stock: int = 0
    available: bool = True
    options: tuple[tuple[str, str], ...] = ()  # (("Size", "M"), ("Colour", "Red"))


@dataclass(frozen=True)
class SupplierItem:
    supplier_product_id: str
    title: str
    variants: tuple[SupplierItemVariant, ...]
    description: str = ""  # HTML; sanitised by the catalog when saved
    images: tuple[str, ...] = ()  # absolute image URLs, first is the main image
    url: str = ""  # the product's page at the supplier
    row: int = 0  # where it came from (CSV line, JSON position, API list position), for reports


class SupplierConnector(Protocol):
    #: the `ImportRun.Kind` an import through this connector is recorded as
    import_kind: str

    def fetch_catalog(self) -> list[SupplierItem]: ...

    def fetch_items(self, supplier_product_ids: Collection[str]) -> list[SupplierItem]: ...
