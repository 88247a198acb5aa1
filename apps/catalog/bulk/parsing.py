"""Reading a product CSV: bytes to text to a table, and each row's own cells parsed through the
shared normalisation (`apps.catalog.normalise`) into a `Plan` of products with their rows.

Every problem is an `ImportProblem` (row, column, code, params). A file that cannot be read as a
product CSV at all raises `ImportFileError`, which fails the run before anything is written."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from apps.catalog import normalise
from apps.catalog.bulk.format import COLUMNS, EXTRA_OPTION_RE, MAX_OPTIONS, cell_in, column_key
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Product, ProductOption, ProductVariant
from apps.catalog.services.imports import ImportProblem

IMPORT_HEAD_BYTES = 64 * 1024


class ImportFileError(CatalogError):
    """The file cannot be read as a product CSV at all; the run fails with this code."""


@dataclass
class Row:
    number: int
    cells: dict[str, str]  # only the columns the file has, stripped
    handle: str = ""
    sku: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    cost: Decimal | None = None
    weight_grams: int | None = None
    barcode: str = ""
    option_values: list[str] = field(default_factory=list)  # one per option of the product
    variant: ProductVariant | None = None


@dataclass
class PlannedProduct:
    """The rows of one handle: one product and its variants."""

    handle: str
    rows: list[Row] = field(default_factory=list)
    # Product columns with a value, normalised: the first row that fills a column sets it.
    fields: dict[str, Any] = field(default_factory=dict)
    option_names: list[str] = field(default_factory=list)
    category_names: list[str] = field(default_factory=list)
    exists: bool = False
    skipped: bool = False
    instance: Product | None = None
    options: list[ProductOption] = field(default_factory=list)


@dataclass
class Plan:
    columns: frozenset[str]
    products: list[PlannedProduct]
    problems: list[ImportProblem]

    @property
    def total_rows(self) -> int:
        return sum(len(item.rows) for item in self.products)


def problem(at_row: int, column: str, code: CatalogErrorCode, /, **params: Any) -> ImportProblem:
    return ImportProblem(row=at_row, column=column, code=code, params=params)


def problem_of(row: int, column: str, error: CatalogError) -> ImportProblem:
    return ImportProblem(row=row, column=column, code=error.code, params=error.params)


# ------------------------------------------------------------------------------
# bytes -> text -> table
# ------------------------------------------------------------------------------
def binary_reason(data: bytes) -> str | None:
    """Why the bytes are clearly not a UTF-8 CSV (a workbook, UTF-16, binary), or None."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "workbook"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16"
    if b"\x00" in data:
        return "binary"
    return None


def decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(CatalogErrorCode.IMPORT_EMPTY)
    reason = binary_reason(data)
    if reason is not None:
        raise ImportFileError(CatalogErrorCode.IMPORT_NOT_CSV, {"reason": reason})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(CatalogErrorCode.IMPORT_NOT_CSV, {"reason": "encoding", "line": line}) from exc


def table(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the records after it, each with its row number (the header is row 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                if any(cell.strip() for cell in cells):
                    header = cells
                continue
            records.append((number, cells))
    except csv.Error as exc:
        raise ImportFileError(
            CatalogErrorCode.IMPORT_CSV_INVALID, {"row": number + 1, "error": str(exc)}
        ) from exc
    if header is None:
        raise ImportFileError(CatalogErrorCode.IMPORT_EMPTY)
    return header, records


# ------------------------------------------------------------------------------
# the header and each row on its own
# ------------------------------------------------------------------------------
def header_columns(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Known columns and the options past the third, each with its index in the header."""
    columns: dict[str, int] = {}
    extra_options: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = column_key(raw)
        if name in COLUMNS:
            if name in columns:
                raise ImportFileError(CatalogErrorCode.IMPORT_COLUMN_REPEATED, {"column": name})
            columns[name] = index
        elif (match := EXTRA_OPTION_RE.match(name)) and int(match.group(1)) > MAX_OPTIONS:
            extra_options[name] = index
    missing = [name for name in ("sku", "price") if name not in columns]
    if "handle" not in columns and "title" not in columns:
        missing.insert(0, "handle")
    if missing:
        separator = len(header) == 1 and (";" in header[0] or "\t" in header[0])
        found = ", ".join(cell.strip()[:40] for cell in header[:12] if cell.strip())
        raise ImportFileError(
            CatalogErrorCode.IMPORT_COLUMNS_MISSING,
            {"columns": missing, "separator": separator, "found": found},
        )
    return columns, extra_options


def rows_read(
    header: list[str],
    records: list[tuple[int, list[str]]],
    columns: dict[str, int],
    extra: dict[str, int],
    *,
    currency: str,
) -> tuple[list[Row], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    width = len(header)
    rows: list[Row] = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line carries nothing to import
        if len(rows) >= settings.CATALOG_IMPORT_MAX_ROWS:
            raise ImportFileError(
                CatalogErrorCode.IMPORT_TOO_MANY_ROWS, {"limit": settings.CATALOG_IMPORT_MAX_ROWS}
            )
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            problems.append(
                problem(number, "", CatalogErrorCode.ROW_CELLS_EXTRA, cells=len(cells), columns=width)
            )
        values = {
            name: cell_in(cells[index]) if index < len(cells) else "" for name, index in columns.items()
        }
        row = Row(number=number, cells=values)
        rows.append(row)
        problems.extend(row_parse(row, currency=currency))
        for name, index in extra.items():
            if index < len(cells) and cells[index].strip():
                problems.append(problem(number, name, CatalogErrorCode.ROW_OPTIONS_TOO_MANY, max=MAX_OPTIONS))
    return rows, problems


def row_parse(row: Row, *, currency: str) -> Iterator[ImportProblem]:
    """Parse one row's handle and variant cells (amounts in the store's `currency`), yielding a
    problem for each bad cell."""
    cells, number = row.cells, row.number
    raw_handle, title = cells.get("handle", ""), cells.get("title", "")
    if raw_handle or title:
        try:
            row.handle = normalise.handle_clean(raw_handle or title)
        except CatalogError as error:
            yield problem_of(number, "handle" if raw_handle else "title", error)
    else:
        yield problem(number, "handle", CatalogErrorCode.ROW_HANDLE_MISSING)

    if not cells.get("sku", ""):
        yield problem(number, "sku", CatalogErrorCode.ROW_SKU_MISSING)
    else:
        try:
            row.sku = normalise.sku_clean(cells["sku"])
        except CatalogError as error:
            row.sku = cells["sku"]  # still reported against the other rows that repeat it
            yield problem_of(number, "sku", error)

    for column in ("price", "compare_at_price", "cost"):
        raw = cells.get(column, "")
        if not raw:
            if column == "price":
                yield problem(number, column, CatalogErrorCode.ROW_PRICE_MISSING)
            continue
        try:
            setattr(row, column, normalise.money_parse(raw, currency=currency))
        except CatalogError as error:
            yield problem_of(number, column, error)
    try:
        row.weight_grams = normalise.weight_parse(cells.get("weight_grams", ""))
    except CatalogError as error:
        yield problem_of(number, "weight_grams", error)
    row.barcode = normalise.barcode_clean(cells.get("barcode", ""))


def product_value(column: str, raw: str) -> Any:
    """A product column's value in the form it is compared and stored in (CatalogError if it
    cannot be used)."""
    if column == "status":
        return normalise.status_clean(raw)
    if column == "tags":
        return tuple(normalise.tags_clean(raw))
    if column == "category":
        return normalise.category_path_parse(raw)[0]
    if column == "title":
        return normalise.title_clean(raw)
    if column in ("vendor", "product_type"):
        return normalise.text_line(raw, limit=normalise.VENDOR_MAX)
    if column == "seo_title":
        return normalise.text_line(raw, limit=normalise.SEO_TITLE_MAX)
    if column == "seo_description":
        return normalise.text_block(raw, limit=normalise.SEO_DESCRIPTION_MAX)
    return raw
