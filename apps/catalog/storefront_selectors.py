"""Catalog reads for the shopper's pages: collection, category and search listings with their
filters, facets and sort; one product with everything its page shows; related products; the
delivery estimate of a variant.

Only active products are ever returned. Every read runs a fixed number of queries however many
products, variants, images or stock levels there are (pinned by the storefront's tests). Stock
and supplier data are read through the variants' reverse relations (`stock_levels`,
`supplier_offers`): inventory and sourcing build on the catalog, so it does not import them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    Field,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import (
    Category,
    Collection,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from apps.catalog.selectors import (
    Facets,
    ProductFilters,
    _apply_filters,
    _search,
    collection_products,
    facets_for,
)

# A virtual collection of every active product, as shops conventionally offer at
# /collections/all/ (a merchant's own collection with that handle wins).
ALL_PRODUCTS_HANDLE = "all"
RELATED_LIMIT = 4


class ProductSort:
    """The orders a shopper can pick; `choices(...)` says which a listing offers."""

    FEATURED = "featured"
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price-asc"
    PRICE_DESC = "price-desc"
    TITLE = "title"

    LABELS = {
        FEATURED: _("Featured"),
        RELEVANCE: _("Relevance"),
        NEWEST: _("Newest"),
        PRICE_ASC: _("Price, low to high"),
        PRICE_DESC: _("Price, high to low"),
        TITLE: _("Name, A to Z"),
    }

    @classmethod
    def choices(cls, *, featured: bool = False, relevance: bool = False) -> list[tuple[str, str]]:
        first = [cls.RELEVANCE] if relevance else [cls.FEATURED] if featured else []
        return [
            (key, str(cls.LABELS[key]))
            for key in [*first, cls.NEWEST, cls.PRICE_ASC, cls.PRICE_DESC, cls.TITLE]
        ]


@dataclass(frozen=True)
class ShopperFilters:
    """What a shopper narrowed a listing to: option values ((name, value) pairs: values of one
    option widen, options narrow), a price span and in-stock only."""

    options: tuple[tuple[str, str], ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False


@dataclass(frozen=True)
class Listing:
    products: QuerySet[Product]
    facets: Facets = field(default_factory=Facets)


# ------------------------------------------------------------------------------
# lookups
# ------------------------------------------------------------------------------
def storefront_collection_get(*, handle: str) -> Collection | None:
    return Collection.objects.filter(handle=handle).first()


def storefront_category_get(*, path: str) -> Category | None:
    return Category.objects.filter(path=path.strip("/")).first()


def category_ancestors(*, category: Category) -> list[Category]:
    """The categories above `category`, root first (one query, by the materialised path)."""
    parts = category.path.split("/")
    paths = ["/".join(parts[:depth]) for depth in range(1, len(parts))]
    if not paths:
        return []
    return list(Category.objects.filter(path__in=paths).order_by("depth"))


def storefront_categories() -> list[Category]:
    """Top-level categories with an active product anywhere below them, in the merchant's order
    (for empty states and menus). One query."""
    categories = list(
        Category.objects.annotate(
            active_count=Count("products", filter=Q(products__status=Product.Status.ACTIVE))
        ).order_by("position", "name")
    )
    below: dict[str, int] = {}
    for category in categories:
        root = category.path.split("/", 1)[0]
        below[root] = below.get(root, 0) + category.active_count  # type: ignore[attr-defined]
    return [category for category in categories if category.depth == 0 and below.get(category.path)]


# ------------------------------------------------------------------------------
# listings
# ------------------------------------------------------------------------------
def _col(meta: Any, name: str) -> str:
    """The quoted column of field `name` of the model whose `_meta` is `meta`."""
    return f'"{meta.get_field(name).column}"'


@functools.cache
def _card_columns() -> dict[str, tuple[str, Field[Any, Any]]]:
    """The card's columns as correlated subqueries written out once (SQL, output field).

    The ORM's `Subquery` expressions say the same, but compiling five of them costs about
    3 ms of Python on every listing, home block and related-products query, more than the
    database takes to run them. Table and column names come from the models; stock is read
    through the variants' reverse relation, without the catalog importing apps.inventory.
    The outer product is the query's base table, which the ORM never aliases."""
    variant = ProductVariant._meta
    stock = variant.get_field("stock_levels").related_model._meta  # type: ignore[union-attr]
    location = stock.get_field("location").related_model._meta  # type: ignore[union-attr]

    outer = f'"{Product._meta.db_table}"."{Product._meta.pk.column}"'  # type: ignore[union-attr]
    variants = f'FROM "{variant.db_table}" v WHERE v.{_col(variant, "product")} = {outer}'
    cheapest = (
        f'{variants} ORDER BY v.{_col(variant, "price")}, v.{_col(variant, "position")}, v."id" LIMIT 1'
    )
    price = variant.get_field("price")
    return {
        "price_min": (f"SELECT MIN(v.{_col(variant, 'price')}) {variants}", price),  # type: ignore[dict-item]
        "price_max": (f"SELECT MAX(v.{_col(variant, 'price')}) {variants}", price),  # type: ignore[dict-item]
        "compare_at_price": (
            f"SELECT v.{_col(variant, 'compare_at_price')} {cheapest}",
            variant.get_field("compare_at_price"),  # type: ignore[dict-item]
        ),
        "currency": (f"SELECT v.{_col(variant, 'currency')} {cheapest}", variant.get_field("currency")),  # type: ignore[dict-item]
        "stock_available": (
            # S608: every name is a table or column of a model, nothing a user sent
            f"SELECT COALESCE(SUM(s.{_col(stock, 'on_hand')}) - SUM(s.{_col(stock, 'reserved')}), 0) "  # noqa: S608
            f'FROM "{variant.db_table}" v JOIN "{stock.db_table}" s ON s.{_col(stock, "variant")} = v."id" '
            f'JOIN "{location.db_table}" l ON l."id" = s.{_col(stock, "location")} '
            f"WHERE v.{_col(variant, 'product')} = {outer} AND l.{_col(location, 'is_active')}",
            IntegerField(),
        ),
    }


def with_card_data(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows: price span, the cheapest variant's compare-at price and
    currency, available stock (0 when stocked nowhere) and the images (in order), in one query
    plus one for images. The search vector, which no card shows, is not read."""
    return (
        queryset.defer("search_vector")
        .annotate(
            **{
                name: RawSQL(sql, (), output_field=field)  # noqa: S611 (SQL of model names only)
                for name, (sql, field) in _card_columns().items()
            }
        )
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    )


def _in_stock_products() -> QuerySet[ProductVariant, Any]:
    # A level holds units when on hand exceeds reserved (reserved never exceeds on hand).
    return ProductVariant.objects.filter(
        stock_levels__location__is_active=True, stock_levels__on_hand__gt=F("stock_levels__reserved")
    ).values("product_id")


def _ordered(
    queryset: QuerySet[Product], *, sort: str, collection: Collection | None, searched: bool
) -> QuerySet[Product]:
    if sort == ProductSort.PRICE_ASC:
        return queryset.order_by(F("price_min").asc(nulls_last=True), "-created_at", "-id")
    if sort == ProductSort.PRICE_DESC:
        return queryset.order_by(F("price_max").desc(nulls_last=True), "-created_at", "-id")
    if sort == ProductSort.TITLE:
        return queryset.order_by(Lower("title"), "id")
    if sort == ProductSort.RELEVANCE and searched:
        return queryset.order_by(F("rank").desc(), "-created_at", "-id")
    if sort == ProductSort.FEATURED and collection is not None and collection.kind == Collection.Kind.MANUAL:
        # A join, not a subquery per product: the database sorts on the joined position
        # instead of running one lookup for every product of the collection before the LIMIT.
        # A product is in a collection at most once (a unique constraint), so no row doubles.
        return queryset.filter(collectionproduct__collection=collection).order_by(
            "collectionproduct__position", "-created_at", "-id"
        )
    return queryset.order_by("-created_at", "-id")


def storefront_listing(
    *,
    collection: Collection | None = None,
    category: Category | None = None,
    query: str = "",
    filters: ShopperFilters | None = None,
    sort: str = ProductSort.NEWEST,
) -> Listing:
    """Active products of a collection, a category (with its subcategories) or a search, with
    facets counted over that whole scope (so a shopper sees every value they can add), narrowed
    by `filters` and ordered by `sort`. A fixed number of queries: the search decides its
    strategy up front (apps.catalog.selectors._search), facets take two (option values and the
    price span; category counts are not shown), the page one and its images one."""
    filters = filters or ShopperFilters()
    scope = Product.objects.filter(status=Product.Status.ACTIVE)
    if collection is not None and collection.pk is not None:
        scope = scope.filter(pk__in=collection_products(collection=collection).order_by().values("pk"))
    if category is not None:
        scope = scope.filter(
            Q(category__path=category.path) | Q(category__path__startswith=category.path + "/")
        )
    query = query.strip()
    if query:
        scope = _search(scope, query)
    facets = facets_for(scope, with_categories=False)
    products = _apply_filters(
        scope,
        ProductFilters(options=filters.options, price_min=filters.price_min, price_max=filters.price_max),
    )
    if filters.in_stock:
        products = products.filter(pk__in=_in_stock_products())
    products = with_card_data(products.select_related(None))
    return Listing(
        products=_ordered(products, sort=sort, collection=collection, searched=bool(query)), facets=facets
    )


def storefront_all_products() -> Collection:
    """The unsaved stand-in for /collections/all/: every active product."""
    return Collection(title=str(_("All products")), handle=ALL_PRODUCTS_HANDLE, kind=Collection.Kind.RULES)


# ------------------------------------------------------------------------------
# one product
# ------------------------------------------------------------------------------
@functools.cache
def _variant_columns() -> dict[str, tuple[str, Field[Any, Any]]]:
    """What a shopper needs to choose a variant, as correlated subqueries written out once
    (SQL, output field): see `_card_columns` for why not the ORM's expressions. Stock and
    suppliers are reached through the variant's reverse relations, without importing their
    apps. Ties between suppliers break on the offer's id, so the lead time and the country
    shown always come from the same supplier."""
    variant = ProductVariant._meta
    stock = variant.get_field("stock_levels").related_model._meta  # type: ignore[union-attr]
    location = stock.get_field("location").related_model._meta  # type: ignore[union-attr]
    offer = variant.get_field("supplier_offers").related_model._meta  # type: ignore[union-attr]
    supplier = offer.get_field("supplier").related_model._meta  # type: ignore[union-attr]

    outer = f'"{variant.db_table}"."{variant.pk.column}"'  # type: ignore[union-attr]
    levels = (
        f'FROM "{stock.db_table}" s JOIN "{location.db_table}" l ON l."id" = s.{_col(stock, "location")} '
        f"WHERE s.{_col(stock, 'variant')} = {outer} AND l.{_col(location, 'is_active')}"
    )
    soonest = (
        f'FROM "{offer.db_table}" o JOIN "{supplier.db_table}" p ON p."id" = o.{_col(offer, "supplier")} '
        f"WHERE o.{_col(offer, 'variant')} = {outer} AND p.{_col(supplier, 'is_active')} "
        f'ORDER BY o.{_col(offer, "is_available")} DESC, p.{_col(supplier, "lead_time_days")}, o."id" LIMIT 1'
    )
    return {
        "available": (
            f"SELECT COALESCE(SUM(s.{_col(stock, 'on_hand')} - s.{_col(stock, 'reserved')}), 0) {levels}",
            IntegerField(),
        ),
        "low_stock_threshold": (
            f"SELECT MAX(s.{_col(stock, 'low_stock_threshold')}) {levels}",
            stock.get_field("low_stock_threshold"),  # type: ignore[dict-item]
        ),
        "lead_time_days": (
            f"SELECT p.{_col(supplier, 'lead_time_days')} {soonest}",
            supplier.get_field("lead_time_days"),  # type: ignore[dict-item]
        ),
        "ships_from_country": (
            f"SELECT p.{_col(supplier, 'ships_from_country')} {soonest}",
            supplier.get_field("ships_from_country"),  # type: ignore[dict-item]
        ),
    }


def storefront_variants() -> QuerySet[ProductVariant]:
    """Variants with what a shopper needs to choose one: `available` (on hand minus reserved at
    active locations, 0 when stocked nowhere), `low_stock_threshold`, and the soonest-shipping
    supplier's `lead_time_days` and `ships_from_country` (None without a supplier): active
    suppliers only, offers the supplier has available first."""
    return (
        ProductVariant.objects.annotate(
            **{
                name: RawSQL(sql, (), output_field=field)  # noqa: S611 (SQL of model names only)
                for name, (sql, field) in _variant_columns().items()
            }
        )
        .prefetch_related(
            Prefetch("option_values", queryset=ProductOptionValue.objects.select_related("option"))
        )
        .order_by("position", "id")
    )


def storefront_product_get(*, handle: str) -> Product | None:
    """The active product with this handle and everything its page shows: category, variants
    (see `storefront_variants`) with their option values and options, images in order. Four
    queries, whether the product has options or not (`product_options` reads them from the
    variants: a value no variant has is no choice to offer)."""
    return (
        Product.objects.filter(handle=handle, status=Product.Status.ACTIVE)
        .defer("search_vector")  # shown nowhere on the page
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=storefront_variants()),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .first()
    )


@dataclass(frozen=True)
class OptionChoices:
    option: ProductOption
    values: tuple[ProductOptionValue, ...]


def product_options(product: Product) -> list[OptionChoices]:
    """The options of a product loaded by `storefront_product_get`, in the merchant's order,
    each with the values its variants have (also in order). No query."""
    options: dict[int, ProductOption] = {}
    values: dict[int, dict[int, ProductOptionValue]] = {}
    for variant in product.variants.all():
        for value in variant.option_values.all():
            options.setdefault(value.option_id, value.option)
            values.setdefault(value.option_id, {}).setdefault(value.pk, value)
    ordered = sorted(options.values(), key=lambda option: (option.position, option.pk))
    return [
        OptionChoices(
            option=option,
            values=tuple(sorted(values[option.pk].values(), key=lambda value: (value.position, value.pk))),
        )
        for option in ordered
    ]


def storefront_related_products(*, product: Product, limit: int = RELATED_LIMIT) -> list[Product]:
    """Other active products in the same category or sharing a tag: same category first, then
    newest. None (and no query) for a product without a category or tags."""
    related = Q()
    if product.category_id:
        related |= Q(category_id=product.category_id)
    if product.tags:
        related |= Q(tags__overlap=product.tags)
    if not related:
        return []
    same_category = (
        Case(
            When(category_id=product.category_id, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if product.category_id
        else Value(0, output_field=IntegerField())
    )
    queryset = (
        Product.objects.filter(related, status=Product.Status.ACTIVE)
        .exclude(pk=product.pk)
        .annotate(same_category=same_category)
        .order_by("-same_category", "-created_at", "-id")
    )
    return list(with_card_data(queryset)[:limit])


# ------------------------------------------------------------------------------
# delivery
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryEstimate:
    earliest: date
    latest: date
    ships_from: str  # ISO 3166-1 code, "" when unknown
    from_supplier: bool
    domestic: bool


def delivery_estimate(
    *, lead_time_days: int | None, ships_from_country: str | None, store_country: str, today: date
) -> DeliveryEstimate:
    """When a variant ordered `today` arrives: the supplier's lead time (or, without a
    supplier, the store's own dispatch days, `CATALOG_DISPATCH_DAYS`) plus transit days, within
    the country when it ships from the store's country, else across borders
    (`CATALOG_TRANSIT_DAYS_DOMESTIC` / `_INTERNATIONAL`). A supplier without a country and a
    store without one count as across borders: the later promise is the honest one."""
    from_supplier = lead_time_days is not None
    dispatch = lead_time_days if lead_time_days is not None else settings.CATALOG_DISPATCH_DAYS
    origin = (ships_from_country or "").upper() if from_supplier else store_country.upper()
    domestic = bool(origin) and origin == store_country.upper()
    fewest, most = (
        settings.CATALOG_TRANSIT_DAYS_DOMESTIC if domestic else settings.CATALOG_TRANSIT_DAYS_INTERNATIONAL
    )
    return DeliveryEstimate(
        earliest=today + timedelta(days=dispatch + fewest),
        latest=today + timedelta(days=dispatch + most),
        ships_from=origin,
        from_supplier=from_supplier,
        domestic=domestic,
    )
