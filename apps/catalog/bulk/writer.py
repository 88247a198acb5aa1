"""Writing checked products of a product CSV, a chunk at a time, with batched INSERT/UPDATEs: a
fixed number of queries per chunk (plus one per new category) rather than ~15 per product
through `product_create`, under the same rules as the product services (values already
normalised by `apps.catalog.normalise` while checking, descriptions sanitised, one
`product.created`/`product.updated` event per product)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from apps.catalog import normalise
from apps.catalog.bulk.parsing import PlannedProduct
from apps.catalog.changes import catalog_data_changed
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Category, Product, ProductOption, ProductOptionValue, ProductVariant
from apps.catalog.services.categories import category_save
from apps.catalog.services.products import product_event_payload, product_search_vector_refresh
from apps.core.events import event_emit_many
from apps.stores.selectors import store_currency_get

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
    "currency",
    "compare_at_price",
    "cost",
    "weight_grams",
    "barcode",
    "position",
    "updated_at",
]
VariantOptionValue = ProductVariant.option_values.through


class ProductWriter:
    """Writes checked products with a fixed number of queries per chunk (plus one per new
    category); the columns the file lacks are left as they are on existing products."""

    def __init__(self, *, columns: frozenset[str]) -> None:
        self.columns = columns
        self.category_ids: dict[str, int] | None = None
        self.currency = store_currency_get()  # amounts were parsed in it (bulk.parsing)

    def write(self, items: list[PlannedProduct]) -> tuple[int, int]:
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
            bulk_update_values(Product, updated, PRODUCT_WRITE_FIELDS)

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
        catalog_data_changed()
        event_emit_many(name="product.created", payloads=[product_event_payload(p) for p in created])
        event_emit_many(name="product.updated", payloads=[product_event_payload(p) for p in updated])
        return len(created), len(updated)

    def _categories_ensure(self, items: list[PlannedProduct]) -> None:
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

    def _product_fields(self, product: Product, item: PlannedProduct) -> None:
        fields, columns = item.fields, self.columns
        if fields.get("title"):
            product.title = fields["title"]
        if fields.get("status"):
            product.status = fields["status"]
        if "description" in columns:
            product.description = normalise.description_clean(fields.get("description", ""))
        if "vendor" in columns:
            product.vendor = fields.get("vendor", "")
        if "product_type" in columns:
            product.product_type = fields.get("product_type", "")
        if "tags" in columns:
            product.tags = list(fields.get("tags", ()))
        if "seo_title" in columns:
            product.seo_title = fields.get("seo_title", "")
        if "seo_description" in columns:
            product.seo_description = fields.get("seo_description", "")
        if "category" in columns:
            path = fields.get("category")
            product.category_id = self.category_ids[path] if path and self.category_ids else None

    def _options(self, items: list[PlannedProduct], existing_ids: list[int]) -> None:
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

    def _option_values(self, items: list[PlannedProduct]) -> dict[tuple[int, str], ProductOptionValue]:
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

    def _variants(self, items: list[PlannedProduct], existing_ids: list[int], now: Any) -> None:
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
                    raise CatalogError(CatalogErrorCode.SKU_MOVED, {"sku": row.sku})
                if variant is None:
                    variant = ProductVariant(product_id=product.pk, sku=row.sku)
                    create.append(variant)
                else:
                    variant.updated_at = now
                    update.append(variant)
                variant.title = (" / ".join(row.option_values) or product.title)[:255]
                variant.price = row.price if row.price is not None else Decimal("0")
                variant.currency = self.currency
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
            bulk_update_values(ProductVariant, update, VARIANT_WRITE_FIELDS)
        ProductVariant.objects.bulk_create(create)


def bulk_update_values(
    model: type[models.Model], objs: Sequence[models.Model], field_names: list[str]
) -> None:
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
