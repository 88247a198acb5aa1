"""Checking a parsed product CSV as a whole: the rows of one product against each other, and the
file against the store (SKUs of other products, new products' titles, category handles)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from apps.catalog import normalise
from apps.catalog.bulk.format import MAX_OPTIONS, PRODUCT_COLUMNS, column_rank
from apps.catalog.bulk.parsing import (
    Plan,
    PlannedProduct,
    header_columns,
    problem,
    problem_of,
    product_value,
    rows_read,
)
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Category, Product, ProductVariant
from apps.catalog.services.imports import ImportProblem
from apps.stores.selectors import store_currency_get


def problems_sort(problems: list[ImportProblem]) -> None:
    problems.sort(key=lambda p: (p.row, column_rank(p.column)))


def plan(header: list[str], records: list[tuple[int, list[str]]]) -> Plan:
    """Every row parsed and checked; the products to write with what is wrong with them."""
    columns, extra_options = header_columns(header)
    rows, problems = rows_read(header, records, columns, extra_options, currency=store_currency_get())
    products: dict[str, PlannedProduct] = {}
    for row in rows:
        key = row.handle or f"#row{row.number}"  # a row without a handle stands (and fails) alone
        products.setdefault(key, PlannedProduct(handle=row.handle)).rows.append(row)
    result = Plan(columns=frozenset(columns), products=list(products.values()), problems=problems)
    for item in result.products:
        if item.handle:
            problems.extend(product_check(item))
    problems.extend(store_check(result))
    problems_sort(problems)
    return result


def _shown(value: Any) -> str:
    text = ", ".join(value) if isinstance(value, tuple) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def product_check(item: PlannedProduct) -> Iterator[ImportProblem]:
    """Rules between the rows of one product: product columns agree, options are complete."""
    first_row: dict[str, int] = {}
    for row in item.rows:
        for column in PRODUCT_COLUMNS:
            raw = row.cells.get(column, "")
            if not raw:
                continue  # an empty product cell means "as on the product's other rows"
            try:
                value = product_value(column, raw)
            except CatalogError as error:
                yield problem_of(row.number, column, error)
                continue
            if column not in item.fields:
                item.fields[column], first_row[column] = value, row.number
                if column == "category":
                    item.category_names = normalise.category_path_parse(raw)[1]
            elif item.fields[column] != value:
                yield problem(
                    row.number,
                    column,
                    CatalogErrorCode.PRODUCT_COLUMN_DIFFERS,
                    value=_shown(value),
                    first=_shown(item.fields[column]),
                    row=first_row[column],
                    handle=item.handle,
                )

    names: dict[int, tuple[str, int]] = {}
    for row in item.rows:
        for slot in range(1, MAX_OPTIONS + 1):
            column = f"option{slot}_name"
            try:
                name = normalise.option_name_clean(row.cells.get(column, ""))
            except CatalogError as error:
                yield problem_of(row.number, column, error)
                name = normalise.text_line(row.cells.get(column, ""), limit=normalise.OPTION_NAME_MAX)
            if not name:
                continue
            if slot not in names:
                names[slot] = (name, row.number)
            elif names[slot][0] != name:
                yield problem(
                    row.number,
                    column,
                    CatalogErrorCode.OPTION_NAME_DIFFERS,
                    value=name,
                    first=names[slot][0],
                    row=names[slot][1],
                    handle=item.handle,
                )
    slots = sorted(names)
    first = item.rows[0].number
    if slots != list(range(1, len(slots) + 1)):
        gap = next(slot for slot in range(1, MAX_OPTIONS + 1) if slot not in names)
        yield problem(first, f"option{gap}_name", CatalogErrorCode.OPTION_GAP, gap=gap, used=slots[-1])
    folded: set[str] = set()
    for slot in slots:
        key = names[slot][0].casefold()
        if key in folded:
            yield problem(
                names[slot][1],
                f"option{slot}_name",
                CatalogErrorCode.OPTION_NAME_REPEATED,
                name=names[slot][0],
            )
        folded.add(key)
    item.option_names = [names[slot][0] for slot in slots]

    seen: dict[tuple[str, ...], int] = {}
    for row in item.rows:
        values = []
        for slot in range(1, MAX_OPTIONS + 1):
            column = f"option{slot}_value"
            try:
                value = normalise.option_value_clean(row.cells.get(column, ""))
            except CatalogError as error:
                yield problem_of(row.number, column, error)
                value = row.cells.get(column, "")
            if slot in names and not value:
                yield problem(row.number, column, CatalogErrorCode.OPTION_VALUE_MISSING, name=names[slot][0])
            elif value and slot not in names:
                yield problem(
                    row.number, column, CatalogErrorCode.OPTION_VALUE_UNNAMED, value=value[:60], slot=slot
                )
            if slot in names:
                values.append(value)
        row.option_values = values
        combination = tuple(values)
        if combination in seen:
            yield problem(
                row.number,
                "option1_value",
                CatalogErrorCode.OPTION_VALUES_REPEATED,
                row=seen[combination],
                handle=item.handle,
            )
        else:
            seen[combination] = row.number


def _batched(values: Sequence[str], size: int = 2000) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def store_check(plan: Plan) -> Iterator[ImportProblem]:
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
            shown = ", ".join(str(n) for n in numbers)
            for number in numbers:
                yield problem(number, "sku", CatalogErrorCode.SKU_REPEATED_IN_FILE, sku=sku, rows=shown)

    owners: dict[str, tuple[str, str]] = {}
    for batch in _batched(list(rows_by_sku)):
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
                yield problem(
                    number,
                    "sku",
                    CatalogErrorCode.SKU_OWNED_ELSEWHERE,
                    sku=sku,
                    title=owner[1],
                    handle=owner[0],
                )

    handles = [item.handle for item in plan.products if item.handle]
    existing: set[str] = set()
    for batch in _batched(handles):
        existing.update(Product.objects.filter(handle__in=batch).values_list("handle", flat=True))
    for item in plan.products:
        item.exists = item.handle in existing
        if item.handle and not item.exists and not item.fields.get("title"):
            yield problem(item.rows[0].number, "title", CatalogErrorCode.NEW_PRODUCT_TITLE_REQUIRED)

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
                yield problem(
                    at_row, "category", CatalogErrorCode.CATEGORY_HANDLE_TAKEN, slug=slug, path=owner_path
                )
                break
            slug_paths[slug] = prefix  # planned: a second, different path to it is a conflict


def skip_notes(products: Iterable[PlannedProduct], bad: set[int]) -> Iterator[ImportProblem]:
    """Under VALID_ROWS a product is skipped whole: its rows without a problem say why."""
    for item in products:
        if not item.skipped:
            continue
        culprits = [row.number for row in item.rows if row.number in bad]
        shown = ", ".join(str(n) for n in culprits[:5]) + (", ..." if len(culprits) > 5 else "")
        for row in item.rows:
            if row.number not in bad:
                yield problem(row.number, "", CatalogErrorCode.ROW_SKIPPED, rows=shown, handle=item.handle)
