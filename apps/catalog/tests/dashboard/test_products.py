"""Dashboard catalog pages: who may see them, the product list (filters, facets, a pinned query
count), and the product editor with its variant matrix."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Category, Product, ProductImage
from apps.catalog.services import category_save
from apps.catalog.tests.dashboard.helpers import (
    BASE,
    catalog_world,
    in_store,
    page_urls,
    product_post,
    shopper_client,
    staff_client,
)
from apps.catalog.tests.factories import make_product
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------
# access
# ------------------------------------------------------------------------------
def test_every_catalog_page_is_for_staff_only(alpha, media_cleanup):
    # given one of everything in store A
    urls = page_urls(catalog_world(alpha, media_cleanup))
    staff, shopper, anonymous = staff_client(alpha), shopper_client(alpha), store_client(alpha)
    for url in urls:
        # then staff see the page, shoppers are refused, visitors are sent to log in
        response = staff.get(url)
        assert response.status_code == 200, url
        if response.get("Content-Type", "").startswith("text/html"):
            content = response.content.decode()
            assert (
                'name="csrfmiddlewaretoken"' in content or "<form" not in content.split("</header>", 1)[-1]
            ), url
        assert shopper.get(url).status_code == 403, url
        refused = anonymous.get(url)
        assert refused.status_code == 302 and "/accounts/login/" in refused["Location"], url


def test_writes_are_refused_for_shoppers_and_visitors(alpha):
    with in_store(alpha):
        product = make_product("Kept")
    for client, status in ((shopper_client(alpha), 403), (store_client(alpha), 302)):
        assert client.post(f"{BASE}/products/new/", product_post()).status_code == status
        assert client.post(f"{BASE}/products/{product.uuid}/delete/").status_code == status
        bulk = {"action": "delete", "products": [str(product.uuid)], "confirm": "1"}
        assert client.post(f"{BASE}/products/bulk/", bulk).status_code == status
    with in_store(alpha):
        assert Product.objects.filter(pk=product.pk).exists()
        assert not Product.objects.filter(title="Basic Tee").exists()


def test_the_navigation_links_to_the_catalog_pages(alpha):
    content = staff_client(alpha).get(f"{BASE}/products/").content.decode()
    for path in ("products/", "categories/", "collections/", "imports/"):
        assert f'href="{BASE}/{path}"' in content


# ------------------------------------------------------------------------------
# product list
# ------------------------------------------------------------------------------
def test_the_product_list_shows_the_columns_and_an_empty_state(alpha, media_cleanup):
    client = staff_client(alpha)
    empty = client.get(f"{BASE}/products/").content.decode()
    assert "This store has no products yet." in empty

    objects = catalog_world(alpha, media_cleanup)
    with in_store(alpha):
        thumb_url = objects["image"].thumbnail.url
    content = client.get(f"{BASE}/products/").content.decode()
    assert "Linen Shirt" in content
    assert thumb_url in content
    assert "€20.00 – €21.00" in content  # price range of its two variants
    assert 'class="badge status-active"' in content
    assert "Not linked to a supplier" in content
    assert f'value="{objects["product"].uuid}"' in content  # the row's checkbox for bulk actions
    assert f"{BASE}/products/export.csv" in content and f"{BASE}/imports/new/" in content


def test_the_product_list_searches_with_typos_and_filters(alpha):
    with in_store(alpha):
        shirts = category_save(category=Category(), name="Shirts", parent=None)
        make_product("Linen Shirt", vendor="Acme", tags=("summer",), category_id=shirts.pk)
        make_product("Wool Sweater", vendor="Knitworks", status=Product.Status.DRAFT)
    client = staff_client(alpha)

    def titles(**params: Any) -> set[str]:
        content = client.get(f"{BASE}/products/", params).content.decode()
        return {title for title in ("Linen Shirt", "Wool Sweater") if f">{title}</a>" in content}

    assert titles() == {"Linen Shirt", "Wool Sweater"}
    assert titles(q="sweatr") == {"Wool Sweater"}  # typo tolerant
    assert titles(q="linen") == {"Linen Shirt"}
    assert titles(status="draft") == {"Wool Sweater"}
    assert titles(vendor="acme") == {"Linen Shirt"}
    assert titles(tag="summer") == {"Linen Shirt"}
    assert titles(category=str(shirts.pk)) == {"Linen Shirt"}
    assert titles(price_min="25") == set()
    assert titles(sync="not_linked") == {"Linen Shirt", "Wool Sweater"}
    nothing = client.get(f"{BASE}/products/", {"q": "zzzzqqq"}).content.decode()
    assert "No products match these filters." in nothing


def test_the_facets_count_categories_and_option_values_and_filter_by_them(alpha):
    with in_store(alpha):
        shirts = category_save(category=Category(), name="Shirts", parent=None)
        make_product("Linen Shirt", variants=3, category_id=shirts.pk)
        make_product("Plain Cap")
        make_product("Wool Shirt", variants=2)
    client = staff_client(alpha)
    response = client.get(f"{BASE}/products/")
    facets = response.context["facets"]
    assert [(f.label, f.count) for f in facets.categories] == [("Shirts", 1)]
    # one entry per value across products, counting the products that have it
    assert [(f.label, f.count) for f in facets.option_values["Size"]] == [("S0", 2), ("S1", 2), ("S2", 1)]
    assert (facets.price_min, facets.price_max) == (Decimal("20.00"), Decimal("22.00"))
    content = response.content.decode()
    assert f'?category={shirts.pk}"' in content
    filtered = client.get(f"{BASE}/products/", {"option": ["Size:S2"]}).content.decode()
    assert (
        ">Linen Shirt</a>" in filtered
        and ">Plain Cap</a>" not in filtered
        and ">Wool Shirt</a>" not in filtered
    )
    widened = client.get(f"{BASE}/products/", {"option": ["Size:S2", "Size:S1"]}).content.decode()
    assert ">Linen Shirt</a>" in widened and ">Wool Shirt</a>" in widened


def test_the_product_list_pages_by_fifty_and_keeps_the_filters(alpha):
    with in_store(alpha):
        for n in range(55):
            make_product(f"Sock {n:02d}", sku_prefix=f"SOCK{n}", vendor="Acme")
    client = staff_client(alpha)
    first = client.get(f"{BASE}/products/", {"vendor": "Acme"})
    assert len(first.context["page"].object_list) == 50
    assert "?vendor=Acme&amp;page=2" in first.content.decode()
    second = client.get(f"{BASE}/products/", {"vendor": "Acme", "page": "2"})
    assert len(second.context["page"].object_list) == 5


def _list_queries(client: Client, **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}/products/", params)
    assert response.status_code == 200
    return len(queries)


def test_the_product_list_runs_the_same_queries_for_10_or_60_products_and_any_variant_count(alpha):
    # given 10 products with an image and stock each
    from apps.inventory.models import Location, StockLevel

    client = staff_client(alpha)
    with in_store(alpha):
        location = Location.objects.create(name="Main", code="main")
        for n in range(10):
            product = make_product(f"Tee {n}", sku_prefix=f"TEE{n}", vendor="Acme")
            ProductImage.objects.create(
                product=product, image="products/x.png", thumbnail="products/x.jpg", width=1, height=1
            )
            StockLevel.objects.create(variant=product.variants.get(), location=location, on_hand=5)
    client.get(f"{BASE}/products/")  # warms the session, the routing cache and the content types
    ten = _list_queries(client)
    filtered_ten = _list_queries(client, q="tee", vendor="Acme", status="active", price_max="100")

    # when there are 60 (two pages), one of them with 20 variants
    with in_store(alpha):
        for n in range(10, 59):
            make_product(f"Tee {n}", sku_prefix=f"TEE{n}", vendor="Acme")
        make_product("Tee Many", sku_prefix="MANY", variants=20, vendor="Acme")
    sixty = _list_queries(client)
    second_page = _list_queries(client, page="2")
    filtered_sixty = _list_queries(client, q="tee", vendor="Acme", status="active", price_max="100")

    # then every page costs the same number of queries
    assert ten == sixty == second_page, (ten, sixty, second_page)
    assert filtered_ten == filtered_sixty, (filtered_ten, filtered_sixty)
    assert ten == PINNED_PRODUCT_LIST_QUERIES, ten


# SET search_path (the store), session, user, category tree (the filter's select), products
# count, products page (price range, variant count and stock are subqueries), their images,
# facets: categories, option values, price span; and the notification bell's unread count.
PINNED_PRODUCT_LIST_QUERIES = 11


def test_the_product_list_costs_the_same_with_1_or_20_variants_per_product(alpha):
    client = staff_client(alpha)
    with in_store(alpha):
        for n in range(5):
            make_product(f"One {n}", sku_prefix=f"ONE{n}")
    client.get(f"{BASE}/products/")
    one_variant = _list_queries(client)
    with in_store(alpha):
        Product.objects.all().delete()
        for n in range(5):
            make_product(f"Many {n}", sku_prefix=f"MANY{n}", variants=20)
    twenty_variants = _list_queries(client)
    assert one_variant == twenty_variants == PINNED_PRODUCT_LIST_QUERIES


# ------------------------------------------------------------------------------
# product editor
# ------------------------------------------------------------------------------
def test_create_a_product_with_a_variant_matrix(alpha):
    with in_store(alpha):
        clothing = category_save(category=Category(), name="Clothing", parent=None)
    client = staff_client(alpha)
    assert "Generate variants" in client.get(f"{BASE}/products/new/").content.decode()

    rows = [
        {
            "option1": size,
            "option2": colour,
            "sku": f"TEE-{size}-{colour}",
            "price": "12.50",
            "weight_grams": "180",
        }
        for size in ("S", "M")
        for colour in ("Red", "Blue")
    ]
    response = client.post(
        f"{BASE}/products/new/",
        product_post(
            title="Basic Tee",
            status="active",
            vendor="Acme",
            tags="cotton, summer, cotton",
            category=str(clothing.pk),
            description='<p>Soft</p><script>alert("x")</script>',
            option1_name="Size",
            option1_values="S, M",
            option2_name="Colour",
            option2_values="Red, Blue",
            rows=rows,
        ),
    )
    assert response.status_code == 302
    with in_store(alpha):
        product = Product.objects.get(title="Basic Tee")
        assert response["Location"] == f"{BASE}/products/{product.uuid}/"
        assert product.status == "active" and product.vendor == "Acme" and product.category == clothing
        assert product.tags == ["cotton", "summer"]
        assert product.description == "<p>Soft</p>"
        assert [o.name for o in product.options.all()] == ["Size", "Colour"]
        variants = {v.sku: v for v in product.variants.prefetch_related("option_values")}
        assert set(variants) == {"TEE-S-Red", "TEE-S-Blue", "TEE-M-Red", "TEE-M-Blue"}
        assert {v.value for v in variants["TEE-M-Blue"].option_values.all()} == {"M", "Blue"}
        assert variants["TEE-S-Red"].price == Decimal("12.50") and variants["TEE-S-Red"].weight_grams == 180

    # and the edit page shows the matrix again, with the product addressed by its UUID
    page = client.get(f"{BASE}/products/{product.uuid}/")
    content = page.content.decode()
    assert page.status_code == 200
    assert 'value="TEE-M-Blue"' in content and 'value="S, M"' in content
    assert f"/products/{product.pk}/" not in content


def test_generate_variants_without_javascript_builds_the_matrix_and_keeps_typed_rows(alpha):
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/products/new/",
        product_post(
            option1_name="Size",
            option1_values="S, M, L",
            rows=[{"sku": "TEE-1", "price": "9.00"}],
            _matrix="1",
        ),
    )
    assert response.status_code == 200
    formset = response.context["editor"].formset
    initial = [form.initial for form in formset.forms]
    assert [row["option1"] for row in initial] == ["S", "M", "L"]
    assert initial[0]["sku"] == "TEE-1"  # the first variant becomes the first combination
    with in_store(alpha):
        assert not Product.objects.filter(title="Basic Tee").exists()  # nothing saved yet


def test_edit_a_product_updates_and_removes_variants(alpha):
    with in_store(alpha):
        product = make_product("Linen Shirt", variants=2)  # LINEN-SHIRT-S0 / -S1, option Size
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/products/{product.uuid}/",
        product_post(
            title="Linen Shirt II",
            status="active",
            option1_name="Size",
            option1_values="S0, S1",
            rows=[
                {"option1": "S0", "sku": "LINEN-SHIRT-S0", "price": "30.00"},
                {"option1": "S1", "sku": "LINEN-SHIRT-S1", "price": "31.00", "DELETE": True},
            ],
        ),
    )
    assert response.status_code == 302
    with in_store(alpha):
        product.refresh_from_db()
        assert product.title == "Linen Shirt II"
        assert list(product.variants.values_list("sku", "price")) == [("LINEN-SHIRT-S0", Decimal("30.00"))]


def test_a_duplicate_sku_is_named_on_the_page_and_nothing_is_saved(alpha):
    with in_store(alpha):
        make_product("Existing", sku_prefix="DUP")  # SKU DUP-S0
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/products/new/", product_post(title="Newcomer", rows=[{"sku": "DUP-S0", "price": "5"}])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "The product was not saved." in content
    assert "SKU DUP-S0 is already used by another product." in content
    with in_store(alpha):
        assert not Product.objects.filter(title="Newcomer").exists()

    twice = client.post(
        f"{BASE}/products/new/",
        product_post(
            title="Twice",
            option1_name="Size",
            option1_values="S, M",
            rows=[
                {"option1": "S", "sku": "SAME", "price": "5"},
                {"option1": "M", "sku": "SAME", "price": "5"},
            ],
        ),
    )
    assert "SKU SAME is used twice in this product." in twice.content.decode()


def test_the_editor_explains_rows_it_cannot_save(alpha):
    client = staff_client(alpha)
    response = client.post(
        f"{BASE}/products/new/",
        product_post(
            title="",
            option1_name="Size",
            option1_values="S, M",
            rows=[{"option1": "XL", "sku": "", "price": "5"}],
        ),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in content  # the title
    assert "“XL” is not one of the values of “Size”." in content
    assert "Enter a SKU." in content

    no_rows = client.post(f"{BASE}/products/new/", product_post(rows=[{}]))
    assert "Add at least one variant with a SKU and a price." in no_rows.content.decode()


def test_a_compare_at_price_at_or_below_the_price_is_refused_next_to_it(alpha):
    client = staff_client(alpha)
    for compare_at in ("9.99", "12.50"):
        response = client.post(
            f"{BASE}/products/new/",
            product_post(
                title="Sale Tee", rows=[{"sku": "SALE-1", "price": "12.50", "compare_at_price": compare_at}]
            ),
        )
        assert response.status_code == 200
        assert "Make it higher than the price, or leave it empty" in response.content.decode()
    with in_store(alpha):
        assert not Product.objects.filter(title="Sale Tee").exists()
    response = client.post(
        f"{BASE}/products/new/",
        product_post(title="Sale Tee", rows=[{"sku": "SALE-1", "price": "12.50", "compare_at_price": "15"}]),
    )
    assert response.status_code == 302
    with in_store(alpha):
        assert Product.objects.get(title="Sale Tee").variants.get().compare_at_price == Decimal("15")


def test_a_taken_handle_is_shown_on_the_handle_field(alpha):
    with in_store(alpha):
        make_product("First", handle="tee")
    response = staff_client(alpha).post(
        f"{BASE}/products/new/", product_post(handle="tee", rows=[{"sku": "X1", "price": "1"}])
    )
    assert response.context["editor"].form.errors["handle"] == ["The handle “tee” is taken."]


def test_the_edit_page_shows_stock_per_location_and_survives_a_missing_inventory_page(alpha):
    from apps.inventory.models import Location, StockLevel

    with in_store(alpha):
        product = make_product("Stocked", sku_prefix="STK")
        location = Location.objects.create(name="Berlin warehouse", code="ber")
        StockLevel.objects.create(variant=product.variants.get(), location=location, on_hand=7, reserved=2)
    content = staff_client(alpha).get(f"{BASE}/products/{product.uuid}/").content.decode()
    assert "Berlin warehouse" in content
    assert re.search(r">7</td>\s*<td class=\"right\">2</td>\s*<td class=\"right\">5</td>", content)


def test_delete_a_product_asks_first(alpha):
    with in_store(alpha):
        product = make_product("Doomed", variants=2)
    client = staff_client(alpha)
    confirm = client.get(f"{BASE}/products/{product.uuid}/delete/")
    assert confirm.status_code == 200
    assert "Delete product “Doomed”?" in confirm.content.decode()
    with in_store(alpha):
        assert Product.objects.filter(pk=product.pk).exists()  # asking deletes nothing
    done = client.post(f"{BASE}/products/{product.uuid}/delete/")
    assert done.status_code == 302 and done["Location"] == f"{BASE}/products/"
    with in_store(alpha):
        assert not Product.objects.filter(pk=product.pk).exists()


def test_an_unknown_product_is_a_404(alpha):
    client = staff_client(alpha)
    assert client.get(f"{BASE}/products/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"{BASE}/products/1/").status_code == 404  # never by sequential id
