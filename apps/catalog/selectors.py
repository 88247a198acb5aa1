"""Catalog reads. List and search declare all their queries here: each runs a fixed number of
queries however many products, variants or images there are (pinned by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Upper
from django_tenants.utils import schema_context

from apps.catalog import spelling
from apps.catalog.models import (
    Category,
    Collection,
    ImportRun,
    Product,
    ProductImage,
    ProductOptionValue,
    ProductVariant,
)
from apps.core.tenancy import current_schema

if TYPE_CHECKING:
    from apps.tenants.models import Tenant


@dataclass(frozen=True)
class ProductFilters:
    query: str = ""
    status: str = ""
    category_id: int | None = None
    vendor: str = ""
    tag: str = ""
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    # (option name, value) pairs: values of one option widen the match, options narrow it.
    options: tuple[tuple[str, str], ...] = ()
    sync_status: str = ""


def option_facet_key(name: str, value: str) -> str:
    return f"{name}:{value}"


def option_facet_parse(key: str) -> tuple[str, str] | None:
    name, separator, value = key.partition(":")
    return (name, value) if separator and name and value else None


@dataclass(frozen=True)
class FacetCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Facets:
    categories: list[FacetCount] = field(default_factory=list)
    option_values: dict[str, list[FacetCount]] = field(default_factory=dict)
    price_min: Decimal | None = None
    price_max: Decimal | None = None


def _variant_aggregate(function: type[Min] | type[Max] | type[Count], column: str) -> Subquery:
    output = IntegerField() if function is Count else ProductVariant._meta.get_field("price")
    return Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(result=function(column))
        .values("result")[:1],
        output_field=output,
    )


def _stock_available() -> Subquery:
    # Stock lives in apps.inventory, which builds on the catalog: it is read through the
    # variants' reverse relation (`stock_levels`), without the catalog importing inventory.
    return Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk"), stock_levels__location__is_active=True)
        .order_by()
        .values("product")
        .annotate(total=Sum("stock_levels__on_hand") - Sum("stock_levels__reserved"))
        .values("total")[:1],
        output_field=IntegerField(),
    )


def _apply_filters(queryset: QuerySet[Product], filters: ProductFilters) -> QuerySet[Product]:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category_id:
        category = Category.objects.filter(pk=filters.category_id).only("path").first()
        if category is None:
            return queryset.none()
        queryset = queryset.filter(
            Q(category__path=category.path) | Q(category__path__startswith=category.path + "/")
        )
    if filters.vendor:
        queryset = queryset.filter(vendor__iexact=filters.vendor)
    if filters.tag:
        queryset = queryset.filter(tags__contains=[filters.tag])
    if filters.sync_status:
        queryset = queryset.filter(sync_status=filters.sync_status)
    variant_filter = Q()
    if filters.price_min is not None:
        variant_filter &= Q(price__gte=filters.price_min)
    if filters.price_max is not None:
        variant_filter &= Q(price__lte=filters.price_max)
    if filters.options:
        # One variant must carry a selected value of every selected option.
        variants = ProductVariant.objects.filter(variant_filter)
        for name in dict.fromkeys(name for name, _value in filters.options):
            values = [value for option, value in filters.options if option == name]
            variants = variants.filter(
                option_values__in=ProductOptionValue.objects.filter(option__name=name, value__in=values)
            )
        queryset = queryset.filter(pk__in=variants.values("product_id"))
    elif variant_filter:
        queryset = queryset.filter(pk__in=ProductVariant.objects.filter(variant_filter).values("product_id"))
    return queryset


def _uses_search_syntax(query: str) -> bool:
    """Quotes, exclusions or OR mean the shopper asked for exact matching: no fuzzy fallback."""
    words = query.split()
    return '"' in query or any(w.startswith("-") for w in words) or any(w.lower() == "or" for w in words)


def _corrected_query(query: str, corrections: dict[str, list[str]]) -> SearchQuery:
    """`query` with each misspelt word replaced by its corrections (any of them may match), on
    the fields the vocabulary comes from (title, vendor, type, tags: weights A and B), so a
    corrected word does not reach into descriptions: "blue hoddie" -> blue:AB & hoodie:AB.
    Raw syntax is safe here: every word is a run of letters and digits (`search_words`)."""
    terms = []
    for word in dict.fromkeys(spelling.search_words(query)):
        alternatives = corrections.get(word, [word])
        terms.append("(" + " | ".join(f"{alternative}:AB" for alternative in alternatives) + ")")
    return SearchQuery(" & ".join(terms), search_type="raw", config=settings.CATALOG_SEARCH_CONFIG)


def _search(queryset: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Full-text match (stemmed, weighted, web-search syntax); when that finds nothing, a
    typo-tolerant match: trigram word similarity of the title (`UPPER(title) %> query`, served
    by the trigram GIN index) or the full-text match of the query with its misspelt words
    corrected against the store's vocabulary (apps.catalog.spelling: swapped letters, "hoddie").
    One EXISTS query decides, and one more finds the corrections when it falls back; the
    corrected words win over the title similarity when they find anything."""
    search = SearchQuery(query, search_type="websearch", config=settings.CATALOG_SEARCH_CONFIG)
    full_text = queryset.filter(search_vector=search)
    if _uses_search_syntax(query) or full_text.exists():
        return full_text.annotate(rank=SearchRank(F("search_vector"), search)).order_by(
            "-rank", "-created_at"
        )
    similarity = TrigramWordSimilarity(query.upper(), Upper("title"))
    fuzzy = queryset.annotate(title_upper=Upper("title"))
    title_match = Q(title_upper__trigram_word_similar=query.upper())
    corrections = spelling.spelling_corrections(query)
    if not corrections:
        return fuzzy.annotate(rank=similarity).filter(title_match).order_by("-rank", "-created_at")
    # The corrected words are the better guess: the looser title similarity only answers when
    # they find nothing ("hoodei" is one swap from "hoodie" but similar enough to "hooded").
    # The NOT EXISTS is uncorrelated, so PostgreSQL runs it once inside this same query; it
    # comes first so that, when the corrected words match, no title similarity is computed.
    corrected = _corrected_query(query, corrections)
    corrected_match = Q(search_vector=corrected)
    return (
        fuzzy.annotate(rank=Greatest(similarity, SearchRank(F("search_vector"), corrected)))
        .filter(corrected_match | (~Exists(queryset.filter(corrected_match)) & title_match))
        .order_by("-rank", "-created_at")
    )


def product_list(*, filters: ProductFilters | None = None) -> QuerySet[Product]:
    """Products with price range, variant count, available stock and their images prefetched."""
    filters = filters or ProductFilters()
    queryset = _apply_filters(Product.objects.select_related("category"), filters)
    if filters.query.strip():
        queryset = _search(queryset, filters.query.strip())
    return queryset.annotate(
        price_min=_variant_aggregate(Min, "price"),
        price_max=_variant_aggregate(Max, "price"),
        variant_count=Coalesce(_variant_aggregate(Count, "id"), Value(0)),
        stock_available=_stock_available(),
    ).prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))


def product_facets(*, filters: ProductFilters | None = None) -> Facets:
    """Counts by category and option value, and the price span, for the products matching."""
    filters = filters or ProductFilters()
    base = _apply_filters(Product.objects.all(), filters)
    if filters.query.strip():
        base = _search(base, filters.query.strip())
    return facets_for(base)


def facets_for(products: QuerySet[Product], *, with_categories: bool = True) -> Facets:
    """Counts by category and option value, and the price span, of `products` (three queries;
    two without the category counts, which the storefront's filters do not show)."""
    ids = products.order_by().values("pk")
    categories = (
        [
            FacetCount(key=str(row["category_id"]), label=row["category__name"], count=row["n"])
            for row in Product.objects.filter(pk__in=ids, category__isnull=False)
            .order_by()
            .values("category_id", "category__name")
            .annotate(n=Count("pk"))
            .order_by("category__name")
        ]
        if with_categories
        else []
    )
    option_values: dict[str, list[FacetCount]] = {}
    # Option values are rows per product: the facet groups them by (option name, value).
    for row in (
        ProductOptionValue.objects.filter(variants__product__in=ids)
        .values("option__name", "value")
        .annotate(n=Count("variants__product", distinct=True), position=Min("position"))
        .order_by("option__name", "position", "value")  # the merchant's order: S, M, L
    ):
        option_values.setdefault(row["option__name"], []).append(
            FacetCount(
                key=option_facet_key(row["option__name"], row["value"]), label=row["value"], count=row["n"]
            )
        )
    prices = ProductVariant.objects.filter(product__in=ids).aggregate(low=Min("price"), high=Max("price"))
    return Facets(
        categories=categories, option_values=option_values, price_min=prices["low"], price_max=prices["high"]
    )


def product_detail(*, product_id: int) -> Product | None:
    """One product for the editor, with everything it shows in a fixed number of queries
    (its stock per location through the variants' reverse `stock_levels` relation)."""
    return (
        Product.objects.select_related("category")
        .prefetch_related(
            "options__values",
            Prefetch(
                "variants",
                queryset=ProductVariant.objects.prefetch_related(
                    "option_values__option", "stock_levels__location"
                ),
            ),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .filter(pk=product_id)
        .first()
    )


def category_tree() -> list[Category]:
    """All categories in tree order (by path), each with `depth` for indentation and a product count."""
    return list(Category.objects.annotate(product_count=Count("products")).order_by("path"))


def collection_products(*, collection: Collection) -> QuerySet[Product]:
    if collection.kind == Collection.Kind.MANUAL:
        return Product.objects.filter(collectionproduct__collection=collection).order_by(
            "collectionproduct__position"
        )
    conditions = [_rule_q(rule) for rule in collection.rules]
    if not conditions:
        return Product.objects.none()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition if collection.match == Collection.Match.ALL else combined | condition
    return Product.objects.filter(combined).distinct()


def _rule_q(rule: dict[str, str]) -> Q:
    field_name, op, value = rule["field"], rule["op"], rule["value"]
    if field_name == "tag":
        return Q(tags__contains=[value]) if op == "equals" else Q(tags__icontains=value)
    if field_name == "price":
        amount = Decimal(value)
        lookups = {"gt": "gt", "lt": "lt", "equals": "exact", "contains": "exact"}
        return Q(**{f"variants__price__{lookups[op]}": amount})
    column = {
        "vendor": "vendor",
        "product_type": "product_type",
        "title": "title",
        "category": "category__name",
    }[field_name]
    return Q(**{f"{column}__iexact": value}) if op == "equals" else Q(**{f"{column}__icontains": value})


def import_run_list() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("created_by", "supplier").order_by("-created_at", "-id")


# Lists of addresses (sitemaps): (handle or path, last change) rows in a stable order, so that
# pages of them can be cut with OFFSET/LIMIT.
def product_active_handles() -> QuerySet[Product, tuple[str, datetime]]:
    return (
        Product.objects.filter(status=Product.Status.ACTIVE)
        .order_by("pk")
        .values_list("handle", "updated_at")
    )


def collection_handles() -> QuerySet[Collection, tuple[str, datetime]]:
    return Collection.objects.order_by("pk").values_list("handle", "updated_at")


def collection_choices() -> list[tuple[str, str]]:
    """(handle, title) of every collection by title: what a collection picker offers."""
    return list(Collection.objects.order_by("title", "pk").values_list("handle", "title"))


def category_paths() -> QuerySet[Category, tuple[str, datetime]]:
    return Category.objects.order_by("pk").values_list("path", "updated_at")


def product_count_in_store(*, merchant: object, store: Tenant | None) -> int:
    """How many products `store` holds (archived ones too): what billing's products-per-store
    limit counts. Runs in the store's schema whichever schema the connection is on."""
    if store is None:
        raise ValueError("products are counted per store")
    if current_schema() == store.schema_name:
        return Product.objects.count()
    with schema_context(store.schema_name):
        return Product.objects.count()


MEGABYTE = 1024 * 1024


def megabytes_rounded_up(size_bytes: int) -> int:
    """Whole megabytes (MiB) that `size_bytes` occupies, as the plan's media limit counts them."""
    return -(-max(size_bytes, 0) // MEGABYTE)


def product_image_bytes() -> int:
    """Bytes of the current store's product images, originals and thumbnails."""
    return int(ProductImage.objects.aggregate(total=Coalesce(Sum("size_bytes"), 0))["total"])


def media_mb_in_store(*, merchant: object, store: Tenant | None) -> int:
    """Megabytes of media `store` holds (its product images, rounded up to a whole MB): what
    billing's media limit counts, per store like products. Runs in the store's schema whichever
    schema the connection is on."""
    if store is None:
        raise ValueError("media is counted per store")
    if current_schema() == store.schema_name:
        return megabytes_rounded_up(product_image_bytes())
    with schema_context(store.schema_name):
        return megabytes_rounded_up(product_image_bytes())
