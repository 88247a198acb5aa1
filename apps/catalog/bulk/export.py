"""The product CSV export: the format the import reads back (`format`), one row per variant."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Prefetch

from apps.catalog.bulk.format import COLUMNS, MAX_OPTIONS, cell_out
from apps.catalog.models import Product, ProductOption, ProductVariant
from apps.catalog.selectors import ProductFilters, product_list
from apps.core.money import money_quantize


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
            yield from _rows(product)
        if len(chunk) < chunk_size:
            return
        last_pk = chunk[-1].pk


def _rows(product: Product) -> Iterator[list[str]]:
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
            "price": _amount(variant.price, variant.currency),
            "compare_at_price": _amount(variant.compare_at_price, variant.currency),
            "cost": _amount(variant.cost, variant.currency),
            "weight_grams": "" if variant.weight_grams is None else str(variant.weight_grams),
            "barcode": variant.barcode,
        }
        for slot, option in enumerate(options[:MAX_OPTIONS], start=1):
            cells[f"option{slot}_name"] = option.name if index == 0 else ""
            cells[f"option{slot}_value"] = by_option.get(option.pk, "")
        yield [cell_out(column, cells.get(column, "")) for column in COLUMNS]


def _amount(value: Decimal | None, currency: str) -> str:
    """An amount with exactly the currency's decimals (12.50 EUR, 1250 JPY, 1.250 KWD)."""
    return "" if value is None else str(money_quantize(value, currency))
