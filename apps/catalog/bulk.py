"""Bulk catalog work: the product CSV import and the CSV export that feeds back into it.

The file format, the row numbering and the two import policies are described for merchants in
docs/product-csv.md; this module is the one place that implements them.

An import runs in two phases. First every row is parsed and checked, against the rest of the
file and against the store, and every problem becomes an `ImportRowError` naming its row,
column and what is wrong; a file that cannot be read as a product CSV at all fails the run with
a `failure_reason` before anything is written. Then, according to the run's policy, whole
products are written in chunks, one transaction per chunk, with batched INSERT/UPDATEs (a fixed
number of queries per chunk rather than ~15 per product through `product_create`) under the same
rules as the product services: sanitised description, cleaned tags, unique handles and SKUs,
money quantized to cents, one `product.created`/`product.updated` event per product. The run's
progress is saved with every chunk.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.errors import CatalogError
from apps.catalog.html import html_sanitize
from apps.catalog.models import (
    Category,
    ImportRowError,
    ImportRun,
    Product,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from apps.catalog.selectors import ProductFilters, product_list
from apps.catalog.services import MONEY_PLACES, category_save, product_search_vector_refresh, tags_clean
from apps.core.events import event_emit_many
from apps.core.tenancy import current_schema, in_store

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------
# the format
# ------------------------------------------------------------------------------
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

# Spreadsheets run a cell starting with one of these as a formula. The export puts an apostrophe
# in front (what spreadsheets themselves do to show such text literally) and the import removes it
# again, so exported text cannot execute in the merchant's spreadsheet and still round-trips.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MONEY_RE = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
MONEY_LIMIT = Decimal("10000000000")  # max_digits=12 with 2 decimal places
INTEGER_LIMIT = 2_147_483_647
EXTRA_OPTION_RE = re.compile(r"^option(\d+)_(name|value)$")
# The models' max_length: longer values are reported rather than cut, since they are keys.
SKU_MAX = 100
HANDLE_MAX = 255
CATEGORY_SLUG_MAX = 140
OPTION_NAME_MAX = 60
OPTION_VALUE_MAX = 100
IMPORT_HEAD_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file cannot be read as a product CSV at all; the run fails with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _CellError(Exception):
    pass


@dataclass
class _Row:
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
class _Product:
    """The rows of one handle: one product and its variants."""

    handle: str
    rows: list[_Row] = field(default_factory=list)
    # Product columns with a value, normalised: the first row that fills a column sets it.
    fields: dict[str, Any] = field(default_factory=dict)
    option_names: list[str] = field(default_factory=list)
    category_names: list[str] = field(default_factory=list)
    exists: bool = False
    skipped: bool = False
    instance: Product | None = None
    options: list[ProductOption] = field(default_factory=list)


@dataclass
class _Plan:
    columns: frozenset[str]
    products: list[_Product]
    problems: list[tuple[int, str, str]]

    @property
    def total_rows(self) -> int:
        return sum(len(item.rows) for item in self.products)


# ------------------------------------------------------------------------------
# starting an import
# ------------------------------------------------------------------------------
def product_import_start(*, upload: UploadedFile, policy: str, actor: User | None) -> ImportRun:
    """Check the upload looks like a product CSV, keep it in the store's media and queue the
    import; the returned run is PENDING until the worker picks it up after commit."""
    from apps.catalog.tasks import product_import_task

    if not in_store():
        raise RuntimeError("Imports belong to a store; start them inside a tenant context.")
    policy = policy or ImportRun.Policy.ALL_OR_NOTHING
    if policy not in ImportRun.Policy.values:
        raise CatalogError(
            _("Unknown import policy “%(policy)s”.") % {"policy": policy},
            code="import_policy",
            field="policy",
        )
    _upload_check(upload)
    run = ImportRun(
        kind=ImportRun.Kind.PRODUCT_CSV,
        policy=policy,
        source_name=(getattr(upload, "name", "") or "")[:255],
        created_by=actor,
    )
    upload.seek(0)
    # A random name inside the store's prefix ("<schema>/imports/<uuid>.csv"); the merchant's
    # file name is kept in `source_name` for display only.
    run.file.save(f"{run.uuid.hex}.csv", upload, save=False)
    try:
        with transaction.atomic():
            run.save()
            run_id, schema = run.pk, current_schema()
            # The commit may happen after the caller left the store's context, so the schema
            # is fixed now (as event_emit does).
            transaction.on_commit(
                lambda: product_import_task.apply_async(args=(run_id,), headers={"_schema_name": schema})
            )
    except Exception:
        if run.file.name:
            run.file.storage.delete(run.file.name)
        raise
    return run


def _upload_check(upload: UploadedFile) -> None:
    size = upload.size or 0
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    if size == 0:
        raise CatalogError(_("The file is empty."), code="import_empty", field="file")
    if size > limit:
        raise CatalogError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": size / (1024 * 1024), "limit": limit // (1024 * 1024)},
            code="import_too_large",
            field="file",
        )
    upload.seek(0)
    head = upload.read(IMPORT_HEAD_BYTES)
    upload.seek(0)
    problem = _binary_problem(head)
    if problem is None:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            problem = _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.")
    if problem is not None:
        raise CatalogError(problem, code="import_not_csv", field="file")


def _binary_problem(data: bytes) -> str | None:
    """A message when the bytes are clearly not a UTF-8 CSV (a workbook, UTF-16, binary)."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _(
            "This is a spreadsheet workbook, not a CSV file. Save it from your spreadsheet as “CSV UTF-8”."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _("The file is UTF-16 text. Save it from your spreadsheet as “CSV UTF-8”.")
    if b"\x00" in data:
        return _("The file contains binary data; it is not a CSV text file.")
    return None


# ------------------------------------------------------------------------------
# running an import
# ------------------------------------------------------------------------------
def product_import_run(*, run: ImportRun) -> ImportRun:
    """Run a PENDING product import to its end; any other run is returned untouched.

    The run is claimed with a conditional UPDATE, so two workers given the same run cannot both
    import it. Whatever happens after that, the run ends SUCCEEDED, PARTIAL or FAILED.
    """
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PENDING).update(
        status=ImportRun.Status.RUNNING, started_at=now, updated_at=now
    )
    run.refresh_from_db()
    if not claimed:
        return run
    try:
        _import(run)
    except ImportFileError as exc:
        import_run_finish(run=run, status=ImportRun.Status.FAILED, reason=exc.message)
    except Exception as exc:
        logger.exception("product import %s failed", run.uuid)
        run.refresh_from_db(fields=["processed_rows", "created_count", "updated_count"])
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            reason=_(
                "The import stopped on an unexpected error (%(error)s) after %(done)d of %(total)d rows; "
                "the products before that point were saved. Importing the file again updates them."
            )
            % {"error": type(exc).__name__, "done": run.processed_rows, "total": run.total_rows},
        )
    return run


def import_run_finish(*, run: ImportRun, status: str, reason: str = "") -> ImportRun:
    run.status = status
    run.failure_reason = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "failure_reason", "finished_at", "updated_at"])
    return run


def _import(run: ImportRun) -> None:
    plan = _plan(*_table(_decode(_read(run))))
    run.total_rows = plan.total_rows
    run.save(update_fields=["total_rows", "updated_at"])
    if not plan.products:
        raise ImportFileError(_("The file has a header row but no product rows."))

    bad = {row for row, _column, _message in plan.problems}
    for item in plan.products:
        item.skipped = any(row.number in bad for row in item.rows)
    all_or_nothing = run.policy != ImportRun.Policy.VALID_ROWS
    if not all_or_nothing:
        plan.problems.extend(_skip_notes(plan.products, bad))
    _problems_save(run, plan.problems)
    if plan.problems and all_or_nothing:
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            reason=_(
                "%(rows)d of %(total)d rows have problems, so nothing was imported. Fix them and import "
                "the file again, or choose to import only the valid products."
            )
            % {"rows": len(bad), "total": plan.total_rows},
        )
        return

    writer = _Writer(columns=plan.columns)
    chunk_rows = max(1, settings.CATALOG_IMPORT_CHUNK_ROWS)
    for chunk in _chunks(plan.products, chunk_rows):
        with transaction.atomic():
            created, updated = writer.write([item for item in chunk if not item.skipped])
            run.processed_rows += sum(len(item.rows) for item in chunk)
            run.created_count += created
            run.updated_count += updated
            run.save(update_fields=["processed_rows", "created_count", "updated_count", "updated_at"])

    if not plan.problems:
        import_run_finish(run=run, status=ImportRun.Status.SUCCEEDED)
    elif run.created_count + run.updated_count:
        import_run_finish(run=run, status=ImportRun.Status.PARTIAL)
    else:
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            reason=_("No product could be imported: every product has a row with a problem."),
        )


def _read(run: ImportRun) -> bytes:
    if not run.file:
        raise ImportFileError(_("The run has no file."))
    try:
        with run.file.open("rb") as handle:
            data: bytes = handle.read(settings.CATALOG_IMPORT_MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise ImportFileError(_("The uploaded file is no longer there; upload it again.")) from exc
    if len(data) > settings.CATALOG_IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)d MB.")
            % {"limit": settings.CATALOG_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    return data


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    problem = _binary_problem(data)
    if problem is not None:
        raise ImportFileError(problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (the first character that is not is on line %(line)d). "
                "Save it from your spreadsheet as “CSV UTF-8”."
            )
            % {"line": line}
        ) from exc


def _table(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
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
            _("The file is not valid CSV at row %(row)d: %(error)s.") % {"row": number + 1, "error": exc}
        ) from exc
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, records


def _column_key(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def _cell_in(raw: str) -> str:
    text = raw.strip()
    if text.startswith("'") and text[1:2] in FORMULA_TRIGGERS:
        return text[1:]
    return text


# ------------------------------------------------------------------------------
# checking every row
# ------------------------------------------------------------------------------
def _plan(header: list[str], records: list[tuple[int, list[str]]]) -> _Plan:
    columns: dict[str, int] = {}
    extra_options: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _column_key(raw)
        if name in COLUMNS:
            if name in columns:
                raise ImportFileError(
                    _("The column “%(column)s” appears twice in the header row.") % {"column": name}
                )
            columns[name] = index
        elif (match := EXTRA_OPTION_RE.match(name)) and int(match.group(1)) > MAX_OPTIONS:
            extra_options[name] = index
    missing = [name for name in ("sku", "price") if name not in columns]
    if "handle" not in columns and "title" not in columns:
        missing.insert(0, "handle")
    if missing:
        raise ImportFileError(_header_problem(header, missing))

    problems: list[tuple[int, str, str]] = []
    width = len(header)
    rows: list[_Row] = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line carries nothing to import
        if len(rows) >= settings.CATALOG_IMPORT_MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(limit)d rows; split it into smaller files.")
                % {"limit": settings.CATALOG_IMPORT_MAX_ROWS}
            )
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            problems.append(
                (
                    number,
                    "",
                    _(
                        "This row has %(cells)d cells but the header has %(columns)d; a value containing "
                        "a comma must be in double quotes."
                    )
                    % {"cells": len(cells), "columns": width},
                )
            )
        values = {
            name: _cell_in(cells[index]) if index < len(cells) else "" for name, index in columns.items()
        }
        row = _Row(number=number, cells=values)
        rows.append(row)
        problems.extend((number, column, message) for column, message in _row_parse(row))
        for name, index in extra_options.items():
            if index < len(cells) and cells[index].strip():
                problems.append(
                    (
                        number,
                        name,
                        _("A product can have at most %(max)d options (option1 to option%(max)d).")
                        % {"max": MAX_OPTIONS},
                    )
                )

    products: dict[str, _Product] = {}
    for row in rows:
        key = row.handle or f"#row{row.number}"  # a row without a handle stands (and fails) alone
        products.setdefault(key, _Product(handle=row.handle)).rows.append(row)
    plan = _Plan(columns=frozenset(columns), products=list(products.values()), problems=problems)
    for item in plan.products:
        if item.handle:
            problems.extend(_product_check(item, plan.columns))
    problems.extend(_store_check(plan))
    problems.sort(key=lambda problem: (problem[0], _column_rank(problem[1])))
    return plan


def _header_problem(header: list[str], missing: list[str]) -> str:
    required = ", ".join("handle or title" if name == "handle" else name for name in missing)
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        return _(
            "The header row lacks the required columns %(columns)s. The file seems to be separated "
            "by semicolons or tabs; save it with commas (“CSV UTF-8”)."
        ) % {"columns": required}
    found = ", ".join(cell.strip()[:40] for cell in header[:12] if cell.strip()) or _("nothing")
    return _("The header row lacks the required columns %(columns)s (found: %(found)s).") % {
        "columns": required,
        "found": found,
    }


def _column_rank(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def _row_parse(row: _Row) -> Iterator[tuple[str, str]]:
    """Parse one row's handle and variant cells, yielding (column, problem) for each bad cell."""
    cells = row.cells
    raw_handle, title = cells.get("handle", ""), cells.get("title", "")
    if raw_handle or title:
        column = "handle" if raw_handle else "title"
        handle = slugify(raw_handle or title)
        if not handle:
            yield (
                column,
                _("“%(value)s” has no letters or digits to make a handle from.")
                % {"value": (raw_handle or title)[:60]},
            )
        elif len(handle) > HANDLE_MAX:
            yield column, _("The handle is longer than %(max)d characters.") % {"max": HANDLE_MAX}
        else:
            row.handle = handle
    else:
        yield "handle", _("The row has neither a handle nor a title.")

    row.sku = cells.get("sku", "")
    if not row.sku:
        yield "sku", _("The SKU is missing; every row is a variant and needs its own SKU.")
    elif len(row.sku) > SKU_MAX:
        yield "sku", _("The SKU is longer than %(max)d characters.") % {"max": SKU_MAX}

    for column in ("price", "compare_at_price", "cost"):
        raw = cells.get(column, "")
        if not raw:
            if column == "price":
                yield column, _("The price is missing.")
            continue
        try:
            setattr(row, column, _money(raw))
        except _CellError as exc:
            yield column, str(exc)
    raw_weight = cells.get("weight_grams", "")
    if raw_weight:
        if not raw_weight.isdigit() or int(raw_weight) > INTEGER_LIMIT:
            yield (
                "weight_grams",
                _("“%(value)s” is not a whole number of grams.") % {"value": raw_weight[:40]},
            )
        else:
            row.weight_grams = int(raw_weight)
    row.barcode = cells.get("barcode", "")[:64]


def _money(raw: str) -> Decimal:
    text = raw.replace(" ", "")
    if text.startswith("-") and MONEY_RE.match(text[1:]):
        raise _CellError(_("“%(value)s” is negative; amounts cannot be negative.") % {"value": raw[:40]})
    if not MONEY_RE.match(text):
        raise _CellError(
            _(
                "“%(value)s” is not an amount; write it like 12.50, without currency sign or thousands separator."
            )
            % {"value": raw[:40]}
        )
    try:
        amount = Decimal(text).quantize(MONEY_PLACES)
    except InvalidOperation as exc:
        raise _CellError(_("“%(value)s” is not an amount.") % {"value": raw[:40]}) from exc
    if amount >= MONEY_LIMIT:
        raise _CellError(_("“%(value)s” is too large.") % {"value": raw[:40]})
    return amount


def _normalised(column: str, raw: str) -> Any:
    """A product column's value in the form it is compared and stored in."""
    if column == "status":
        status = raw.lower()
        if status not in Product.Status.values:
            raise _CellError(
                _("Unknown status “%(status)s”; use %(choices)s.")
                % {"status": raw[:40], "choices": ", ".join(Product.Status.values)}
            )
        return status
    if column == "tags":
        return tuple(tags_clean(raw.split(",")))
    if column == "category":
        names = [part.strip() for part in raw.strip("/").split("/")]
        slugs = [slugify(name) for name in names]
        if not all(slugs):
            raise _CellError(
                _(
                    "“%(value)s” is not a category path; write category handles separated by “/”, like clothing/shirts."
                )
                % {"value": raw[:100]}
            )
        if any(len(slug) > CATEGORY_SLUG_MAX for slug in slugs):
            raise _CellError(
                _("A category handle is longer than %(max)d characters.") % {"max": CATEGORY_SLUG_MAX}
            )
        return "/".join(slugs)
    return raw


def _shown(value: Any) -> str:
    text = ", ".join(value) if isinstance(value, tuple) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _product_check(item: _Product, columns: frozenset[str]) -> Iterator[tuple[int, str, str]]:
    """Rules between the rows of one product: product columns agree, options are complete."""
    first_row: dict[str, int] = {}
    for row in item.rows:
        for column in PRODUCT_COLUMNS:
            raw = row.cells.get(column, "")
            if not raw:
                continue  # an empty product cell means "as on the product's other rows"
            try:
                value = _normalised(column, raw)
            except _CellError as exc:
                yield row.number, column, str(exc)
                continue
            if column not in item.fields:
                item.fields[column], first_row[column] = value, row.number
                if column == "category":
                    item.category_names = [part.strip() for part in raw.strip("/").split("/")]
            elif item.fields[column] != value:
                yield (
                    row.number,
                    column,
                    _(
                        "“%(value)s” differs from “%(first)s” on row %(row)d of the same product "
                        "(%(handle)s); product columns must agree or be left empty."
                    )
                    % {
                        "value": _shown(value),
                        "first": _shown(item.fields[column]),
                        "row": first_row[column],
                        "handle": item.handle,
                    },
                )

    names: dict[int, tuple[str, int]] = {}
    for row in item.rows:
        for slot in range(1, MAX_OPTIONS + 1):
            name = row.cells.get(f"option{slot}_name", "")
            if not name:
                continue
            if len(name) > OPTION_NAME_MAX:
                yield (
                    row.number,
                    f"option{slot}_name",
                    _("An option name is longer than %(max)d characters.") % {"max": OPTION_NAME_MAX},
                )
            if slot not in names:
                names[slot] = (name, row.number)
            elif names[slot][0] != name:
                yield (
                    row.number,
                    f"option{slot}_name",
                    _(
                        "Option “%(value)s” differs from “%(first)s” on row %(row)d of the same product "
                        "(%(handle)s)."
                    )
                    % {"value": name, "first": names[slot][0], "row": names[slot][1], "handle": item.handle},
                )
    slots = sorted(names)
    first = item.rows[0].number
    if slots != list(range(1, len(slots) + 1)):
        gap = next(slot for slot in range(1, MAX_OPTIONS + 1) if slot not in names)
        yield (
            first,
            f"option{gap}_name",
            _("option%(gap)d is empty but option%(used)d is used; fill the options in order.")
            % {"gap": gap, "used": slots[-1]},
        )
    folded: set[str] = set()
    for slot in slots:
        key = names[slot][0].casefold()
        if key in folded:
            yield (
                names[slot][1],
                f"option{slot}_name",
                _("The product has two options named “%(name)s”.") % {"name": names[slot][0]},
            )
        folded.add(key)
    item.option_names = [names[slot][0] for slot in slots]

    seen: dict[tuple[str, ...], int] = {}
    for row in item.rows:
        values = []
        for slot in range(1, MAX_OPTIONS + 1):
            column = f"option{slot}_value"
            value = row.cells.get(column, "")
            if slot in names and not value:
                yield (
                    row.number,
                    column,
                    _("The value for option “%(name)s” is missing.") % {"name": names[slot][0]},
                )
            elif value and slot not in names:
                yield (
                    row.number,
                    column,
                    _("“%(value)s” has no option name; fill option%(slot)d_name on the product's first row.")
                    % {"value": value[:60], "slot": slot},
                )
            elif len(value) > OPTION_VALUE_MAX:
                yield (
                    row.number,
                    column,
                    _("An option value is longer than %(max)d characters.") % {"max": OPTION_VALUE_MAX},
                )
            if slot in names:
                values.append(value)
        row.option_values = values
        combination = tuple(values)
        if combination in seen:
            yield (
                row.number,
                "option1_value",
                _(
                    "The same option values as row %(row)d of this product (%(handle)s); every variant "
                    "needs its own combination of option values."
                )
                % {"row": seen[combination], "handle": item.handle},
            )
        else:
            seen[combination] = row.number


def _batched(values: Sequence[str], size: int = 2000) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _store_check(plan: _Plan) -> Iterator[tuple[int, str, str]]:
    """Rules against the whole file and the store: SKUs, new products' titles, categories."""
    rows_by_sku: dict[str, list[int]] = defaultdict(list)
    handle_of_row: dict[int, str] = {}
    for item in plan.products:
        for row in item.rows:
            handle_of_row[row.number] = item.handle
            if row.sku:
                rows_by_sku[row.sku].append(row.number)
    for sku, numbers in rows_by_sku.items():
        if len(numbers) > 1:
            for number in numbers:
                yield (
                    number,
                    "sku",
                    _("SKU “%(sku)s” is on more than one row of the file: rows %(rows)s.")
                    % {"sku": sku, "rows": ", ".join(str(n) for n in numbers)},
                )

    skus = list(rows_by_sku)
    owners: dict[str, tuple[str, str]] = {}
    for batch in _batched(skus):
        for sku, handle, title in ProductVariant.objects.filter(sku__in=batch).values_list(
            "sku", "product__handle", "product__title"
        ):
            owners[sku] = (handle, title)
    for sku, numbers in rows_by_sku.items():
        owner = owners.get(sku)
        if owner is None:
            continue
        for number in numbers:
            if owner[0] != handle_of_row[number]:
                yield (
                    number,
                    "sku",
                    _("SKU “%(sku)s” is already used by another product: “%(title)s” (handle %(handle)s).")
                    % {"sku": sku, "title": owner[1], "handle": owner[0]},
                )

    handles = [item.handle for item in plan.products if item.handle]
    existing: set[str] = set()
    for batch in _batched(handles):
        existing.update(Product.objects.filter(handle__in=batch).values_list("handle", flat=True))
    for item in plan.products:
        item.exists = item.handle in existing
        if item.handle and not item.exists and not item.fields.get("title"):
            yield item.rows[0].number, "title", _("A new product needs a title.")

    paths = dict(Category.objects.values_list("path", "slug"))
    slug_paths = {slug: path for path, slug in paths.items()}
    for item in plan.products:
        path = item.fields.get("category")
        if not path:
            continue
        slugs = path.split("/")
        for depth, slug in enumerate(slugs):
            prefix = "/".join(slugs[: depth + 1])
            if prefix in paths:
                continue
            owner_path = slug_paths.get(slug)
            if owner_path is not None and owner_path != prefix:
                at_row = next(r.number for r in item.rows if r.cells.get("category"))
                yield (
                    at_row,
                    "category",
                    _(
                        "The category handle “%(slug)s” already belongs to “%(path)s”; a category handle "
                        "can be used only once in a store."
                    )
                    % {"slug": slug, "path": owner_path},
                )
                break
            slug_paths[slug] = prefix  # planned: a second, different path to it is a conflict


def _skip_notes(products: Iterable[_Product], bad: set[int]) -> Iterator[tuple[int, str, str]]:
    """Under VALID_ROWS a product is skipped whole: its rows without a problem say why."""
    for item in products:
        if not item.skipped:
            continue
        culprits = [row.number for row in item.rows if row.number in bad]
        shown = ", ".join(str(n) for n in culprits[:5]) + (", ..." if len(culprits) > 5 else "")
        for row in item.rows:
            if row.number not in bad:
                yield (
                    row.number,
                    "",
                    _("Not imported: row %(rows)s of the same product (%(handle)s) has a problem.")
                    % {"rows": shown, "handle": item.handle},
                )


def _problems_save(run: ImportRun, problems: list[tuple[int, str, str]]) -> None:
    problems.sort(key=lambda problem: (problem[0], _column_rank(problem[1])))
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(run=run, row=row, column=column[:100], message=message)
            for row, column, message in problems
        ],
        batch_size=2000,
    )
    run.error_count = len(problems)
    run.save(update_fields=["error_count", "updated_at"])


def _chunks(products: Sequence[_Product], size: int) -> Iterator[list[_Product]]:
    """Whole products, about `size` rows at a time."""
    chunk: list[_Product] = []
    rows = 0
    for item in products:
        chunk.append(item)
        rows += len(item.rows)
        if rows >= size:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


# ------------------------------------------------------------------------------
# writing, a chunk at a time
# ------------------------------------------------------------------------------
PRODUCT_WRITE_FIELDS = [
    "title",
    "description",
    "status",
    "product_type",
    "vendor",
    "tags",
    "seo_title",
    "seo_description",
    "category",
    "updated_at",
]
VARIANT_WRITE_FIELDS = [
    "title",
    "price",
    "compare_at_price",
    "cost",
    "weight_grams",
    "barcode",
    "position",
    "updated_at",
]
VariantOptionValue = ProductVariant.option_values.through


class _Writer:
    """Writes checked products with a fixed number of queries per chunk (plus one per new
    category); the columns the file lacks are left as they are on existing products."""

    def __init__(self, *, columns: frozenset[str]) -> None:
        self.columns = columns
        self.category_ids: dict[str, int] | None = None

    def write(self, items: list[_Product]) -> tuple[int, int]:
        if not items:
            return 0, 0
        now = timezone.now()
        existing = {
            product.handle: product
            for product in Product.objects.select_for_update().filter(handle__in=[i.handle for i in items])
        }
        self._categories_ensure(items)
        created: list[Product] = []
        updated: list[Product] = []
        for item in items:
            product = existing.get(item.handle)
            if product is None:
                product = Product(handle=item.handle)
                created.append(product)
            else:
                product.updated_at = now
                updated.append(product)
            self._product_fields(product, item)
            item.instance = product
        Product.objects.bulk_create(created)
        if updated:
            _bulk_update(Product, updated, PRODUCT_WRITE_FIELDS)

        existing_ids = [product.pk for product in updated]
        self._options(items, existing_ids)
        values = self._option_values(items)
        self._variants(items, existing_ids, now)
        VariantOptionValue.objects.bulk_create(
            [
                VariantOptionValue(
                    productvariant_id=row.variant.pk,
                    productoptionvalue_id=values[(option.pk, value)].pk,
                )
                for item in items
                for row in item.rows
                if row.variant is not None
                for option, value in zip(item.options, row.option_values, strict=True)
            ]
        )
        product_search_vector_refresh(product_ids=[p.pk for p in created + updated])
        event_emit_many(name="product.created", payloads=[_payload(p) for p in created])
        event_emit_many(name="product.updated", payloads=[_payload(p) for p in updated])
        return len(created), len(updated)

    def _categories_ensure(self, items: list[_Product]) -> None:
        if "category" not in self.columns:
            return
        if self.category_ids is None:
            self.category_ids = dict(Category.objects.values_list("path", "id"))
        known = self.category_ids
        for item in items:
            path = item.fields.get("category")
            if not path or path in known:
                continue
            slugs = path.split("/")
            parent: Category | None = None
            for depth, slug in enumerate(slugs):
                prefix = "/".join(slugs[: depth + 1])
                if prefix in known:
                    parent = Category.objects.get(pk=known[prefix])
                    continue
                name = item.category_names[depth] if depth < len(item.category_names) else slug
                if name == slug:  # a bare handle: "t-shirts" is named "T shirts"
                    name = slug.replace("-", " ").capitalize()
                parent = category_save(category=Category(slug=slug), name=name[:120], parent=parent)
                known[prefix] = parent.pk

    def _product_fields(self, product: Product, item: _Product) -> None:
        fields, columns = item.fields, self.columns
        if fields.get("title"):
            product.title = fields["title"][:255]
        if fields.get("status"):
            product.status = fields["status"]
        if "description" in columns:
            product.description = html_sanitize(fields.get("description", ""))
        if "vendor" in columns:
            product.vendor = fields.get("vendor", "")[:120]
        if "product_type" in columns:
            product.product_type = fields.get("product_type", "")[:120]
        if "tags" in columns:
            product.tags = list(fields.get("tags", ()))
        if "seo_title" in columns:
            product.seo_title = fields.get("seo_title", "")[:70]
        if "seo_description" in columns:
            product.seo_description = fields.get("seo_description", "")[:320]
        if "category" in columns:
            path = fields.get("category")
            product.category_id = self.category_ids[path] if path and self.category_ids else None

    def _options(self, items: list[_Product], existing_ids: list[int]) -> None:
        current: dict[int, dict[str, ProductOption]] = defaultdict(dict)
        for existing in ProductOption.objects.filter(product_id__in=existing_ids):
            current[existing.product_id][existing.name] = existing
        create: list[ProductOption] = []
        move: list[ProductOption] = []
        drop: list[int] = []
        for item in items:
            assert item.instance is not None
            mine = current.get(item.instance.pk, {})
            item.options = []
            for position, name in enumerate(item.option_names):
                option = mine.get(name)
                if option is None:
                    option = ProductOption(product_id=item.instance.pk, name=name, position=position)
                    create.append(option)
                elif option.position != position:
                    option.position = position
                    move.append(option)
                item.options.append(option)
            drop.extend(option.pk for name, option in mine.items() if name not in item.option_names)
        if drop:
            ProductOption.objects.filter(pk__in=drop).delete()  # with their values
        ProductOption.objects.bulk_create(create)
        if move:
            ProductOption.objects.bulk_update(move, ["position"])

    def _option_values(self, items: list[_Product]) -> dict[tuple[int, str], ProductOptionValue]:
        option_ids = [option.pk for item in items for option in item.options]
        current = {
            (value.option_id, value.value): value
            for value in ProductOptionValue.objects.filter(option_id__in=option_ids)
        }
        wanted: dict[tuple[int, str], ProductOptionValue] = {}
        create: list[ProductOptionValue] = []
        move: list[ProductOptionValue] = []
        for item in items:
            for index, option in enumerate(item.options):
                position = 0
                for row in item.rows:
                    key = (option.pk, row.option_values[index])
                    if key in wanted:
                        continue
                    value = current.get(key)
                    if value is None:
                        value = ProductOptionValue(option_id=option.pk, value=key[1], position=position)
                        create.append(value)
                    elif value.position != position:
                        value.position = position
                        move.append(value)
                    wanted[key] = value
                    position += 1
        drop = [value.pk for key, value in current.items() if key not in wanted]
        if drop:
            ProductOptionValue.objects.filter(pk__in=drop).delete()
        ProductOptionValue.objects.bulk_create(create)
        if move:
            ProductOptionValue.objects.bulk_update(move, ["position"])
        return wanted

    def _variants(self, items: list[_Product], existing_ids: list[int], now: Any) -> None:
        current = {
            variant.sku: variant for variant in ProductVariant.objects.filter(product_id__in=existing_ids)
        }
        create: list[ProductVariant] = []
        update: list[ProductVariant] = []
        columns = self.columns
        for item in items:
            product = item.instance
            assert product is not None
            for position, row in enumerate(item.rows):
                variant = current.get(row.sku)
                if variant is not None and variant.product_id != product.pk:
                    # Checked before writing; only a concurrent edit can get here.
                    raise CatalogError(
                        _("SKU %(sku)s moved to another product during the import.") % {"sku": row.sku},
                        code="duplicate_sku",
                    )
                if variant is None:
                    variant = ProductVariant(product_id=product.pk, sku=row.sku)
                    create.append(variant)
                else:
                    variant.updated_at = now
                    update.append(variant)
                variant.title = (" / ".join(row.option_values) or product.title)[:255]
                variant.price = row.price if row.price is not None else Decimal("0.00")
                if "compare_at_price" in columns:
                    variant.compare_at_price = row.compare_at_price
                if "cost" in columns:
                    variant.cost = row.cost
                if "weight_grams" in columns:
                    variant.weight_grams = row.weight_grams
                if "barcode" in columns:
                    variant.barcode = row.barcode
                variant.position = position
                row.variant = variant
        kept = {variant.pk for variant in update}
        stale = [variant.pk for variant in current.values() if variant.pk not in kept]
        if stale:
            ProductVariant.objects.filter(pk__in=stale).delete()
        if update:
            # The option values are written again below for every variant of the chunk.
            VariantOptionValue.objects.filter(productvariant_id__in=kept).delete()
            _bulk_update(ProductVariant, update, VARIANT_WRITE_FIELDS)
        ProductVariant.objects.bulk_create(create)


def _bulk_update(model: type[models.Model], objs: Sequence[models.Model], field_names: list[str]) -> None:
    """`bulk_update` as one `UPDATE ... FROM (VALUES ...)`: Django's builds a CASE WHEN per row
    and column, which costs seconds of Python per thousand rows. Identifiers come from the
    model's meta; every value is a parameter, cast to its column's type."""
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [meta.get_field(name) for name in field_names]
    concrete = [f for f in fields if isinstance(f, models.Field)]
    quote = connection.ops.quote_name
    columns = [str(pk.column), *(str(f.column) for f in concrete)]
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in (pk, *concrete)) + ")"
    params: list[Any] = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete)
    table = quote(meta.db_table)
    sql = "UPDATE {table} SET {assign} FROM (VALUES {rows}) AS v ({columns}) WHERE {table}.{pk} = v.{pk}".format(  # noqa: S608 - quoted identifiers from meta, values are parameters
        table=table,
        assign=", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:]),
        rows=", ".join([row] * len(objs)),
        columns=", ".join(quote(c) for c in columns),
        pk=quote(columns[0]),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _payload(product: Product) -> dict[str, str]:
    # The same payload as the product services' events.
    return {"product_uuid": str(product.uuid), "handle": product.handle, "title": product.title}


# ------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------
def products_export_csv_rows(
    *, filters: ProductFilters | None = None, chunk_size: int = 500
) -> Iterator[list[str]]:
    """The header, then one row per variant of every product matching `filters` (all when None).

    Products are read in keyset-paginated chunks (`pk > last`, ordered by pk) with 4 queries per
    chunk (products with category, options, variants, their option values) however many
    variants they have, so memory stays flat and no server-side cursor or long transaction is
    needed while the response streams. The product columns are on each product's first row.
    """
    yield list(COLUMNS)
    products = Product.objects.all()
    if filters is not None:
        products = Product.objects.filter(
            pk__in=product_list(filters=filters).prefetch_related(None).order_by().values("pk")
        )
    products = (
        products.select_related("category")
        .prefetch_related(
            Prefetch("options", queryset=ProductOption.objects.order_by("position", "id")),
            Prefetch(
                "variants",
                queryset=ProductVariant.objects.order_by("position", "id").prefetch_related("option_values"),
            ),
        )
        .order_by("pk")
    )
    last_pk = 0
    while True:
        chunk = list(products.filter(pk__gt=last_pk)[:chunk_size])
        for product in chunk:
            yield from _export_rows(product)
        if len(chunk) < chunk_size:
            return
        last_pk = chunk[-1].pk


def _export_rows(product: Product) -> Iterator[list[str]]:
    options = list(product.options.all())
    head = {
        "title": product.title,
        "description": product.description,
        "status": product.status,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "tags": ", ".join(product.tags),
        "category": product.category.path if product.category else "",
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
    }
    for index, variant in enumerate(product.variants.all()):
        by_option = {value.option_id: value.value for value in variant.option_values.all()}
        cells = {
            "handle": product.handle,
            **(head if index == 0 else {}),
            "sku": variant.sku,
            "price": _amount(variant.price),
            "compare_at_price": _amount(variant.compare_at_price),
            "cost": _amount(variant.cost),
            "weight_grams": "" if variant.weight_grams is None else str(variant.weight_grams),
            "barcode": variant.barcode,
        }
        for slot, option in enumerate(options[:MAX_OPTIONS], start=1):
            cells[f"option{slot}_name"] = option.name if index == 0 else ""
            cells[f"option{slot}_value"] = by_option.get(option.pk, "")
        yield [_cell_out(column, cells.get(column, "")) for column in COLUMNS]


def _amount(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(MONEY_PLACES))


def _cell_out(column: str, value: str) -> str:
    if column not in NUMERIC_COLUMNS and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value
