from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import product_image_add
from apps.catalog.tests.factories import png_upload
from apps.checkout.errors import CartErrorCode, VariantUnknown
from apps.checkout.selectors import (
    cart_find,
    cart_item_count,
    cart_line_get,
    cart_summary,
    cart_variant_get,
    variant_available,
)
from apps.checkout.tests.factories import cart_make, line_make, location_make, variant_make
from apps.inventory.services import inventory_reserve, stock_set
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def test_the_summary_prices_each_line_and_the_subtotal_in_the_cart_currency(in_alpha):
    shirt = variant_make(title="Shirt", variant_title="M", price="12.50", stock=10)
    socks = variant_make(title="Socks", price="3.99", stock=10)
    cart = cart_make()
    line_make(cart=cart, variant=shirt, quantity=2)
    line_make(cart=cart, variant=socks, quantity=3)

    summary = cart_summary(cart=cart)

    assert summary.currency == "EUR" and summary.item_count == 5
    assert [(line.display_name, line.unit_price, line.line_total) for line in summary.lines] == [
        ("Shirt – M", Decimal("12.50"), Decimal("25.00")),
        ("Socks", Decimal("3.99"), Decimal("11.97")),
    ]
    assert summary.subtotal == Decimal("36.97") and not summary.has_problems


def test_the_summary_rounds_per_line_in_a_currency_without_decimals(in_alpha):
    variant = variant_make(price="100", stock=10)
    ProductVariant.objects.filter(pk=variant.pk).update(price=Decimal("100.4"))
    cart = cart_make(currency="JPY")
    line_make(cart=cart, variant=variant, quantity=3)

    summary = cart_summary(cart=cart)

    assert summary.lines[0].unit_price == Decimal("100") and summary.subtotal == Decimal("300")


def test_the_summary_flags_changed_prices_and_lines_that_cannot_be_bought(in_alpha):
    dearer = variant_make(title="Dearer", price="10.00", stock=10)
    scarce = variant_make(title="Scarce", stock=2)
    gone = variant_make(title="Gone", stock=1)
    off_sale = variant_make(title="Off sale", stock=5)
    cart = cart_make()
    for variant, quantity in ((dearer, 1), (scarce, 3), (gone, 1), (off_sale, 1)):
        line_make(cart=cart, variant=variant, quantity=quantity)
    ProductVariant.objects.filter(pk=dearer.pk).update(price=Decimal("12.00"))
    inventory_reserve(variant=gone, quantity=1, reference="order-9")
    Product.objects.filter(pk=off_sale.product_id).update(status=Product.Status.DRAFT)

    lines = {line.product_title: line for line in cart_summary(cart=cart).lines}

    assert lines["Dearer"].price_changed and lines["Dearer"].price_when_added == Decimal("10.00")
    assert (
        lines["Dearer"].problem,
        lines["Scarce"].problem,
        lines["Gone"].problem,
        lines["Off sale"].problem,
    ) == (
        "",
        CartErrorCode.INSUFFICIENT_STOCK,
        CartErrorCode.SOLD_OUT,
        CartErrorCode.PRODUCT_UNAVAILABLE,
    )
    assert lines["Scarce"].available == 2 and lines["Gone"].available == 0


def test_the_summary_shows_the_first_images_thumbnail_with_its_size(in_alpha):
    variant = variant_make(stock=3)
    product_image_add(product=variant.product, upload=png_upload(size=(800, 400)), alt="Front")
    product_image_add(product=variant.product, upload=png_upload(size=(64, 64)), alt="Back")
    cart = cart_make()
    line_make(cart=cart, variant=variant)

    line = cart_summary(cart=cart).lines[0]

    assert "/products/" in line.image_url and line.image_url.endswith(".jpg")
    assert (line.image_alt, line.image_width, line.image_height) == ("Front", 400, 200)


def test_no_cart_is_an_empty_summary_in_the_store_currency(in_alpha):
    summary = cart_summary(cart=None)

    assert summary.is_empty and summary.subtotal == 0 and summary.currency == "EUR"


def _cart_with_lines(count: int):  # type: ignore[no-untyped-def]
    location = location_make()
    cart = cart_make()
    for index in range(count):
        variant = variant_make(title=f"Product {index}", stock=5, location=location)
        product_image_add(product=variant.product, upload=png_upload())
        line_make(cart=cart, variant=variant, quantity=1)
    return cart


def test_the_summary_runs_two_queries_for_one_line_and_for_fifty(in_alpha):
    counts = []
    for size in (1, 50):
        cart = _cart_with_lines(size)
        with CaptureQueriesContext(connection) as queries:
            summary = cart_summary(cart=cart)
        assert len(summary.lines) == size
        counts.append(len(queries))
    print(f"\ncart_summary queries: 1 line {counts[0]}, 50 lines {counts[1]}")
    assert counts == [2, 2]


def test_the_item_count_is_one_query_and_none_without_a_cart(in_alpha):
    shopper = make_store_user(in_alpha, "counted@example.com")
    guest, own = cart_make(), cart_make(user=shopper)
    line_make(cart=guest, variant=variant_make(), quantity=2)
    line_make(cart=guest, variant=variant_make(), quantity=3)
    line_make(cart=own, variant=variant_make(), quantity=4)

    with CaptureQueriesContext(connection) as queries:
        assert cart_item_count(user=None, token=str(guest.token)) == 5
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert cart_item_count(user=shopper) == 4
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert cart_item_count(user=None, token=None) == 0
        assert cart_item_count(user=None, token="garbage") == 0
    assert len(queries) == 0


def test_a_guest_token_finds_only_an_open_guest_cart(in_alpha):
    shopper = make_store_user(in_alpha, "finder@example.com")
    guest, owned = cart_make(), cart_make(user=shopper)

    assert cart_find(user=None, token=str(guest.token)) == guest
    assert cart_find(user=None, token=str(owned.token)) is None
    assert cart_find(user=shopper, token=str(guest.token)) == owned
    assert cart_item_count(user=None, token=str(owned.token)) == 0


def test_a_line_is_found_only_in_its_own_cart(in_alpha):
    variant = variant_make()
    mine, theirs = cart_make(), cart_make()
    line = line_make(cart=theirs, variant=variant)

    assert cart_line_get(cart=theirs, line_uuid=str(line.uuid)) == line
    assert cart_line_get(cart=mine, line_uuid=line.uuid) is None
    assert cart_line_get(cart=theirs, line_uuid="not-a-uuid") is None


def test_available_units_per_variant_in_one_query(in_alpha):
    here, there = location_make(), location_make()
    stocked = variant_make(stock=4, location=here)
    stock_set(variant=stocked, location=there, on_hand=6, reason="test")
    inventory_reserve(variant=stocked, quantity=3, reference="order-1", location=there)
    empty = variant_make(stock=0)

    with CaptureQueriesContext(connection) as queries:
        available = variant_available(variant_ids=[stocked.pk, empty.pk, 999_999])

    assert available == {stocked.pk: 7, empty.pk: 0, 999_999: 0} and len(queries) == 1


@pytest.mark.parametrize("raw", ["", "abc", "-1", "1.5", "99999999999999999999999", None, "٣"])
def test_a_variant_id_that_is_not_one_is_unknown(in_alpha, raw):
    with pytest.raises(VariantUnknown) as caught:
        cart_variant_get(variant_id=raw)
    assert caught.value.field == "variant"


def test_a_variant_is_found_by_its_id_as_a_form_sends_it(in_alpha):
    variant = variant_make()

    assert cart_variant_get(variant_id=str(variant.pk)) == variant
    with pytest.raises(VariantUnknown):
        cart_variant_get(variant_id=str(variant.pk + 10_000))
