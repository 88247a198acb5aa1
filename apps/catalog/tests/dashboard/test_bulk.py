"""Bulk actions on the product list: every action shows what will change and changes nothing
until it is confirmed; the CSV export follows the list's filters."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from apps.catalog.models import Product, ProductVariant
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(alpha):
    with in_store(alpha):
        return [
            make_product("Linen Shirt", status=Product.Status.DRAFT, tags=("summer",)),
            make_product("Wool Sweater", status=Product.Status.DRAFT, price="50.00"),
            make_product("Kept Cap", status=Product.Status.DRAFT),
        ]


def _bulk(products: list[Product], action: str, **extra: str) -> dict[str, object]:
    return {
        "action": action,
        "products": [str(p.uuid) for p in products],
        "next": f"{BASE}/products/?q=x",
        **extra,
    }


def test_bulk_status_change_shows_the_changes_then_applies_them(alpha, products):
    client = staff_client(alpha)
    chosen = products[:2]

    # when staff pick two rows and "Set status: Active"
    preview = client.post(f"{BASE}/products/bulk/", _bulk(chosen, "status", status="active"))

    # then they see both products going from Draft to Active, and nothing changed yet
    assert preview.status_code == 200
    content = preview.content.decode()
    assert "This changes 2 products:" in content
    assert "Linen Shirt" in content and "Wool Sweater" in content and "Kept Cap" not in content
    assert [(r["before"], r["after"]) for r in preview.context["rows"]] == [("Draft", "Active")] * 2
    assert 'name="confirm" value="1"' in content and "csrfmiddlewaretoken" in content
    with in_store(alpha):
        assert set(Product.objects.values_list("status", flat=True)) == {"draft"}

    # when they confirm
    done = client.post(f"{BASE}/products/bulk/", {**_bulk(chosen, "status", status="active"), "confirm": "1"})

    # then exactly those two are active and they are back on the list they came from
    assert done.status_code == 302 and done["Location"] == f"{BASE}/products/?q=x"
    with in_store(alpha):
        assert dict(Product.objects.values_list("title", "status")) == {
            "Linen Shirt": "active",
            "Wool Sweater": "active",
            "Kept Cap": "draft",
        }
    assert "2 products updated." in client.get(done["Location"]).content.decode()


def test_bulk_delete_lists_what_goes_and_deletes_only_after_confirmation(alpha, products):
    client = staff_client(alpha)
    chosen = products[:2]
    preview = client.post(f"{BASE}/products/bulk/", _bulk(chosen, "delete"))
    content = preview.content.decode()
    assert "Delete 2 products?" in content and "This cannot be undone." in content
    assert 'class="danger"' in content
    with in_store(alpha):
        assert Product.objects.count() == 3

    done = client.post(f"{BASE}/products/bulk/", {**_bulk(chosen, "delete"), "confirm": "1"})
    assert done.status_code == 302
    with in_store(alpha):
        assert list(Product.objects.values_list("title", flat=True)) == ["Kept Cap"]
        assert not ProductVariant.objects.filter(product__title="Linen Shirt").exists()


def test_bulk_tags_add_and_remove(alpha, products):
    client = staff_client(alpha)
    preview = client.post(f"{BASE}/products/bulk/", _bulk(products[:1], "add_tags", tags="sale, summer"))
    assert [(r["before"], r["after"]) for r in preview.context["rows"]] == [("summer", "summer, sale")]
    client.post(
        f"{BASE}/products/bulk/", {**_bulk(products[:1], "add_tags", tags="sale, summer"), "confirm": "1"}
    )
    client.post(
        f"{BASE}/products/bulk/", {**_bulk(products[:1], "remove_tags", tags="summer"), "confirm": "1"}
    )
    with in_store(alpha):
        assert Product.objects.get(pk=products[0].pk).tags == ["sale"]


def test_bulk_price_change_previews_the_new_prices(alpha, products):
    client = staff_client(alpha)
    preview = client.post(f"{BASE}/products/bulk/", _bulk(products[1:2], "price", percent="-10"))
    assert [(r["before"], r["after"]) for r in preview.context["rows"]] == [("€50.00", "€45.00")]
    client.post(f"{BASE}/products/bulk/", {**_bulk(products[1:2], "price", percent="-10"), "confirm": "1"})
    with in_store(alpha):
        assert ProductVariant.objects.get(product=products[1]).price == Decimal("45.00")


def test_bulk_without_a_selection_or_a_value_explains_and_changes_nothing(alpha, products):
    client = staff_client(alpha)
    nothing = client.post(f"{BASE}/products/bulk/", {"action": "delete", "confirm": "1"}, follow=True)
    assert "Select at least one product." in nothing.content.decode()
    no_status = client.post(
        f"{BASE}/products/bulk/", {**_bulk(products, "status"), "confirm": "1"}, follow=True
    )
    assert "Choose the new status." in no_status.content.decode()
    too_low = client.post(
        f"{BASE}/products/bulk/", {**_bulk(products, "price", percent="-100"), "confirm": "1"}, follow=True
    )
    assert "Ensure this value is greater than or equal to -99.99." in too_low.content.decode()
    with in_store(alpha):
        assert Product.objects.count() == 3
        assert set(Product.objects.values_list("status", flat=True)) == {"draft"}


def test_bulk_next_never_leaves_the_store(alpha, products):
    client = staff_client(alpha)
    data = {
        **_bulk(products[:1], "status", status="active"),
        "confirm": "1",
        "next": "https://evil.example.com/",
    }
    done = client.post(f"{BASE}/products/bulk/", data)
    assert done["Location"] == f"{BASE}/products/"


def test_export_streams_a_csv_of_the_filtered_products(alpha, products):
    client = staff_client(alpha)
    response = client.get(f"{BASE}/products/export.csv", {"q": "sweater"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    header, body = rows[0], rows[1:]
    assert "sku" in header and "title" in header
    titles = {row[header.index("title")] for row in body}
    assert titles == {"Wool Sweater"}
    everything = client.get(f"{BASE}/products/export.csv").getvalue().decode()
    assert "Linen Shirt" in everything and "Kept Cap" in everything
