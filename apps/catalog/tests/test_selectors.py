"""Catalog reads: search quality, facets, and query counts that do not grow with the data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.models import Category, Product, ProductImage, ProductVariant
from apps.catalog.selectors import ProductFilters, product_detail, product_facets, product_list
from apps.catalog.services import category_save, product_search_vector_refresh
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.tenant.schema_name):
        yield alpha


def _bulk_products(count: int, variants: int = 1, prefix: str = "P") -> None:
    products = Product.objects.bulk_create(
        Product(
            title=f"{prefix} Cotton Shirt {i}",
            handle=f"{prefix.lower()}-shirt-{i}",
            status="active",
            vendor="Acme",
        )
        for i in range(count)
    )
    ProductVariant.objects.bulk_create(
        ProductVariant(product=p, sku=f"{prefix}-{p.pk}-{v}", price=Decimal(10 + v))
        for p in products
        for v in range(variants)
    )
    ProductImage.objects.bulk_create(
        ProductImage(
            product=p,
            image=f"products/{p.uuid}/a.jpg",
            thumbnail=f"products/{p.uuid}/t.jpg",
            width=8,
            height=8,
        )
        for p in products
    )
    product_search_vector_refresh(product_ids=[p.pk for p in products])


def _queries(filters: ProductFilters, page: int = 50) -> int:
    with CaptureQueriesContext(connection) as captured:
        rows = list(product_list(filters=filters)[:page])
        for row in rows:
            _ = [
                getattr(row, name) for name in ("price_min", "price_max", "variant_count", "stock_available")
            ]
            _ = list(row.images.all())
            _ = row.category.name if row.category else None
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "filters", [ProductFilters(), ProductFilters(query="cotton shirt"), ProductFilters(query="shrit")]
)
def test_list_and_search_query_counts_do_not_grow_with_products(in_alpha, filters):
    _bulk_products(10, prefix="A")
    small = _queries(filters)
    _bulk_products(990, prefix="B")
    assert _queries(filters) == small


def test_list_query_count_does_not_grow_with_variants(in_alpha):
    _bulk_products(5, variants=1, prefix="C")
    one = _queries(ProductFilters())
    _bulk_products(5, variants=50, prefix="D")
    assert _queries(ProductFilters()) == one


def test_facets_run_a_fixed_number_of_queries(in_alpha):
    _bulk_products(10, prefix="E")
    with CaptureQueriesContext(connection) as small:
        product_facets(filters=ProductFilters(query="shirt"))
    _bulk_products(300, variants=3, prefix="F")
    with CaptureQueriesContext(connection) as large:
        product_facets(filters=ProductFilters(query="shirt"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_product_detail_query_count_does_not_grow_with_variants(in_alpha):
    few = make_product("Few", variants=2)
    many = make_product("Many", variants=30)
    counts = []
    for product in (few, many):
        with CaptureQueriesContext(connection) as captured:
            loaded = product_detail(product_id=product.pk)
            assert loaded is not None
            for variant in loaded.variants.all():
                _ = [(v.option.name, v.value) for v in variant.option_values.all()]
                _ = [(s.location.name, s.available) for s in variant.stock_levels.all()]
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_search_finds_stems_tags_and_typos_and_ranks_titles_first(in_alpha):
    make_product("Organic Cotton Hoodie", tags=("sweater",), vendor="Northwind")
    make_product("Ceramic Mug", description="<p>Pairs well with a hoodie</p>")
    titles = lambda q: [p.title for p in product_list(filters=ProductFilters(query=q))]  # noqa: E731
    assert titles("hoodies") == ["Organic Cotton Hoodie", "Ceramic Mug"]  # stemmed; title outranks body
    assert titles("sweater") == ["Organic Cotton Hoodie"]  # tags
    assert titles("northwind") == ["Organic Cotton Hoodie"]  # vendor
    assert titles("hodie") == ["Organic Cotton Hoodie"]  # typos -> trigram word similarity
    assert titles("orgnic coton") == ["Organic Cotton Hoodie"]
    assert titles("organic -hoodie") == []  # web-search syntax; no fuzzy fallback past a negation
    assert titles("organic -mug") == ["Organic Cotton Hoodie"]
    assert titles("bicycle") == []


def test_filters_and_facets(in_alpha):
    apparel = category_save(category=Category(), name="Apparel", parent=None)
    shirts = category_save(category=Category(), name="Shirts", parent=apparel)
    make_product("Red Shirt", variants=2, price="15.00", category_id=shirts.pk)
    make_product("Blue Cap", price="30.00", category_id=apparel.pk, tags=("hat",))
    make_product("Draft Shirt", status="draft")
    in_apparel = product_list(filters=ProductFilters(category_id=apparel.pk))
    assert sorted(p.title for p in in_apparel) == ["Blue Cap", "Red Shirt"]  # subtree included
    assert [p.title for p in product_list(filters=ProductFilters(status="draft"))] == ["Draft Shirt"]
    assert [p.title for p in product_list(filters=ProductFilters(price_min=Decimal("25")))] == ["Blue Cap"]
    assert [p.title for p in product_list(filters=ProductFilters(tag="hat"))] == ["Blue Cap"]
    facets = product_facets(filters=ProductFilters(status="active"))
    assert {f.label: f.count for f in facets.categories} == {"Apparel": 1, "Shirts": 1}
    assert [f.label for f in facets.option_values["Size"]] == ["S0", "S1"]
    assert (facets.price_min, facets.price_max) == (Decimal("15.00"), Decimal("30.00"))
    size_s1 = next(f for f in facets.option_values["Size"] if f.label == "S1")
    assert size_s1.key == "Size:S1"
    filtered = product_list(filters=ProductFilters(options=(("Size", "S1"),)))
    assert [p.title for p in filtered] == ["Red Shirt"]


def test_store_b_cannot_see_store_as_products(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        make_product("Alpha Secret Product")
    with schema_context(beta.tenant.schema_name):
        assert not product_list(filters=ProductFilters(query="secret")).exists()
        assert not Product.objects.filter(title="Alpha Secret Product").exists()
