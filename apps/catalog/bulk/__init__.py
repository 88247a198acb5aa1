"""Bulk catalog work: the product CSV import and the CSV export that feeds back into it.

The file format, the row numbering and the two import policies are described for merchants in
docs/product-csv.md; this package is the one place that implements them, by seam:
`format` (columns and cells), `parsing` (bytes to checked rows), `checks` (rows against each
other and the store), `writer` (batched writes), `runs` (starting and running an import) and
`export`. The public names stay importable from `apps.catalog.bulk`.
"""

from __future__ import annotations

from apps.catalog.bulk.export import products_export_csv_rows
from apps.catalog.bulk.format import (
    COLUMNS,
    FORMULA_TRIGGERS,
    MAX_OPTIONS,
    NUMERIC_COLUMNS,
    OPTION_COLUMNS,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
)
from apps.catalog.bulk.parsing import ImportFileError
from apps.catalog.bulk.runs import product_import_run, product_import_start
from apps.catalog.bulk.writer import ProductWriter
from apps.catalog.services.imports import import_run_finish

__all__ = [
    "COLUMNS",
    "FORMULA_TRIGGERS",
    "MAX_OPTIONS",
    "NUMERIC_COLUMNS",
    "OPTION_COLUMNS",
    "PRODUCT_COLUMNS",
    "VARIANT_COLUMNS",
    "ImportFileError",
    "ProductWriter",
    "import_run_finish",
    "product_import_run",
    "product_import_start",
    "products_export_csv_rows",
]
