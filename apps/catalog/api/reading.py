"""Products as the admin API answers them, built as plain dicts (the read path of
`/api/v1/products` and `/api/v1/products/{id}`, and the answer to a product's create or change).

`ProductSerializer` describes the answer (the OpenAPI schema, and the shape this module keeps).
Reading a page through it built model rows for products, categories, variants, option values and
options (four queries) and ran every value through nested `ModelSerializer`s: ~20 ms of CPU for
20 products, most of the request. Here the page's ids come from the view's filtered, ordered
queryset and one query reads those products with their category, and their variants (with option
values) and images as JSON arrays. That query is built and compiled by the ORM once per process
(compiling its subqueries each time cost ~4 ms). Values are formatted as the serializer's fields
do it (amounts by `MoneyField`, at the currency's precision), so the bytes are the same:
`apps/catalog/tests/test_api_reading.py` compares both on products with every kind of value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, OuterRef, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from rest_framework.settings import api_settings

from apps.api.serializers import money_str
from apps.catalog.api.serializers import VariantSerializer
from apps.catalog.models import Product, ProductImage, ProductOptionValue, ProductVariant

PRODUCT_COLUMNS = (
    "pk",
    "uuid",
    "title",
    "handle",
    "status",
    "description",
    "vendor",
    "product_type",
    "tags",
    "seo_title",
    "seo_description",
    "category__slug",
    "category__name",
    "created_at",
    "updated_at",
    "variant_rows",
    "image_rows",
)


def _variant_rows() -> ArraySubquery:
    """A product's variants, each a JSON object with its option values, in the serializer's order."""
    options = (
        ProductOptionValue.objects.filter(variants=OuterRef("pk"))
        .order_by("option__position", "option_id", "position", "id")
        .values(row=JSONObject(name=F("option__name"), value=F("value")))
    )
    variants = (
        ProductVariant.objects.filter(product_id=OuterRef("pk"))
        .order_by("position", "id")
        .values(
            row=JSONObject(
                sku=F("sku"),
                title=F("title"),
                price=Cast("price", TextField()),  # text: JSON numbers would come back as floats
                compare_at_price=Cast("compare_at_price", TextField()),
                cost=Cast("cost", TextField()),
                currency=F("currency"),
                weight_grams=F("weight_grams"),
                barcode=F("barcode"),
                position=F("position"),
                options=ArraySubquery(options),
                created_at=F("created_at"),
                updated_at=F("updated_at"),
            )
        )
    )
    return ArraySubquery(variants)


def _image_rows() -> ArraySubquery:
    images = (
        ProductImage.objects.filter(product_id=OuterRef("pk"))
        .order_by("position", "id")
        .values(
            row=JSONObject(
                id=F("id"),
                image=F("image"),
                thumbnail=F("thumbnail"),
                alt=F("alt"),
                width=F("width"),
                height=F("height"),
                position=F("position"),
                created_at=F("created_at"),
            )
        )
    )
    return ArraySubquery(images)


def _product_rows(products: QuerySet[Product]) -> QuerySet[Any]:
    return (
        products.select_related(None)
        .prefetch_related(None)
        .annotate(variant_rows=_variant_rows(), image_rows=_image_rows())
        .values_list(*PRODUCT_COLUMNS)
    )


_IDS_SENTINEL = [-7_391_842_615]


@cache
def _rows_sql() -> tuple[str, tuple[Any, ...], int]:
    """The SQL reading the products whose ids are its `index`-th parameter, with everything the
    answer needs (variants and images as JSON arrays). Built and compiled by the ORM once per
    process: doing it per request cost ~4 ms of CPU, ten times running it."""
    ids = RawSQL("SELECT unnest(%s::bigint[])", [_IDS_SENTINEL])
    query = _product_rows(Product.objects.filter(pk__in=ids).order_by()).query
    sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params), list(params).index(_IDS_SENTINEL)


def products_data(*, product_ids: Sequence[int]) -> list[dict[str, Any]]:
    """What `ProductSerializer(many=True)` answers for the products `product_ids`, in that
    order (ids of products that do not exist are left out)."""
    if not product_ids:
        return []
    sql, params, index = _rows_sql()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, [*params[:index], list(product_ids), *params[index + 1 :]])
        found = {row[0]: row for row in cursor.fetchall()}
    when = _datetime_text()
    return [_product(found[pk], when, _money_text) for pk in product_ids if pk in found]


def product_data(*, product_id: int) -> dict[str, Any] | None:
    """One product's answer, or None when there is no such product."""
    found = products_data(product_ids=[product_id])
    return found[0] if found else None


def _product(row: tuple[Any, ...], when: Any, money: Any) -> dict[str, Any]:
    (
        _pk,
        uuid,
        title,
        handle,
        status,
        description,
        vendor,
        product_type,
        tags,
        seo_title,
        seo_description,
        category_slug,
        category_name,
        created_at,
        updated_at,
        variant_rows,
        image_rows,
    ) = row
    return {
        "id": str(uuid),
        "title": title,
        "handle": handle,
        "status": status,
        "description": description,
        "vendor": vendor,
        "product_type": product_type,
        "tags": [str(tag) for tag in tags],
        "seo_title": seo_title,
        "seo_description": seo_description,
        "category": None if category_slug is None else {"handle": category_slug, "name": category_name},
        "variants": [_variant(json.loads(text), when, money) for text in variant_rows],
        "images": _images([json.loads(text) for text in image_rows], when),
        "created_at": when(created_at),
        "updated_at": when(updated_at),
    }


def _variant(row: dict[str, Any], when: Any, money: Any) -> dict[str, Any]:
    compare_at_price, cost = row["compare_at_price"], row["cost"]
    return {
        "sku": row["sku"],
        "title": row["title"],
        "price": money(row["price"], row["currency"]),
        "compare_at_price": None if compare_at_price is None else money(compare_at_price, row["currency"]),
        "cost": None if cost is None else money(cost, row["currency"]),
        "currency": row["currency"],
        "weight_grams": row["weight_grams"],
        "barcode": row["barcode"],
        "position": row["position"],
        "options": [{"name": option["name"], "value": option["value"]} for option in row["options"]],
        "created_at": when(_timestamp(row["created_at"])),
        "updated_at": when(_timestamp(row["updated_at"])),
    }


def _images(rows: list[dict[str, Any]], when: Any) -> list[dict[str, Any]]:
    if not rows:
        return []
    images = ProductImage._meta.get_field("image").storage  # type: ignore[union-attr]
    thumbnails = ProductImage._meta.get_field("thumbnail").storage  # type: ignore[union-attr]
    return [
        {
            "id": row["id"],
            "url": images.url(row["image"]) if row["image"] else "",
            "thumbnail_url": thumbnails.url(row["thumbnail"]) if row["thumbnail"] else "",
            "alt": row["alt"],
            "width": row["width"],
            "height": row["height"],
            "position": row["position"],
            "created_at": when(_timestamp(row["created_at"])),
        }
        for row in rows
    ]


def _timestamp(text: str | None) -> datetime | None:
    """A timestamp as PostgreSQL writes it into JSON (ISO 8601 with an offset)."""
    return None if text is None else datetime.fromisoformat(text)


# ------------------------------------------------------------------------------
# formatting, as the serializer's fields do it
# ------------------------------------------------------------------------------
@cache
def _variant_fields() -> Any:
    return VariantSerializer().fields


@lru_cache(maxsize=4096)
def _money_text(value: str, currency: str) -> str | None:
    """A variant's amount (given as the database's text) as `MoneyField` writes it, remembered
    per amount: a catalogue repeats a few prices many times."""
    return money_str(Decimal(value), currency)


def _datetime_text() -> Any:
    """`DateTimeField.to_representation` (ISO 8601 in the current time zone, `Z` for UTC) with
    the time zone looked up once rather than per value."""
    if api_settings.DATETIME_FORMAT is None or api_settings.DATETIME_FORMAT.lower() != "iso-8601":
        field = _variant_fields()["created_at"]
        return lambda value: None if not value else field.to_representation(value)
    zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def text(value: datetime | None) -> str | None:
        if not value:
            return None
        if zone is not None:
            value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
        formatted = value.isoformat()
        return formatted[:-6] + "Z" if formatted.endswith("+00:00") else formatted

    return text
