"""The product CSV format shared by the import and the export: its columns, and how a cell is
protected against spreadsheet formulas on the way out and read back on the way in. Merchants
find the same described in docs/product-csv.md."""

from __future__ import annotations

import re

MAX_OPTIONS = 3
PRODUCT_COLUMNS = (
    "title",
    "description",
    "status",
    "vendor",
    "product_type",
    "tags",
    "category",
    "seo_title",
    "seo_description",
)
OPTION_COLUMNS = tuple(
    f"option{slot}_{part}" for slot in range(1, MAX_OPTIONS + 1) for part in ("name", "value")
)
VARIANT_COLUMNS = ("sku", "price", "compare_at_price", "cost", "weight_grams", "barcode")
COLUMNS = ("handle", *PRODUCT_COLUMNS, *OPTION_COLUMNS, *VARIANT_COLUMNS)
NUMERIC_COLUMNS = frozenset({"price", "compare_at_price", "cost", "weight_grams"})
EXTRA_OPTION_RE = re.compile(r"^option(\d+)_(name|value)$")

# Spreadsheets run a cell starting with one of these as a formula. The export puts an apostrophe
# in front (what spreadsheets themselves do to show such text literally) and the import removes it
# again, so exported text cannot execute in the merchant's spreadsheet and still round-trips.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def column_key(raw: str) -> str:
    """A header cell as a column name: "Compare-at price " -> "compare_at_price"."""
    return "_".join(raw.strip().lower().replace("-", " ").split())


def column_rank(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def cell_in(raw: str) -> str:
    text = raw.strip()
    if text.startswith("'") and text[1:2] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def cell_out(column: str, value: str) -> str:
    if column not in NUMERIC_COLUMNS and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value
