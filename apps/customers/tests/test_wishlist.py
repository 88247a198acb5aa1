"""The wishlist: only products the store sells, adding twice keeps one row, removing is safe to
repeat, a cap per shopper, and the list in a fixed number of queries."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Product
from apps.catalog.tests.factories import make_product
from apps.customers.errors import CustomerError, CustomerErrorCode
from apps.customers.models import WishlistItem
from apps.customers.selectors import wishlist_count, wishlist_list, wishlist_product_ids
from apps.customers.services import wishlist_add, wishlist_remove
from apps.customers.tests.factories import make_shopper

pytestmark = pytest.mark.django_db


def test_adding_twice_keeps_one_row_and_removing_twice_is_harmless(in_alpha):
    shopper, product = make_shopper(), make_product("Linen Shirt")
    first = wishlist_add(user=shopper, product_uuid=product.uuid)
    again = wishlist_add(user=shopper, product_uuid=str(product.uuid))
    assert first.pk == again.pk and WishlistItem.objects.filter(user=shopper).count() == 1
    assert wishlist_remove(user=shopper, product_uuid=product.uuid) is True
    assert wishlist_remove(user=shopper, product_uuid=product.uuid) is False
    assert not WishlistItem.objects.filter(user=shopper).exists()


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_a_product_the_store_does_not_sell_cannot_be_added(in_alpha, status):
    shopper, product = make_shopper(), make_product("Hidden", status=status)
    with pytest.raises(CustomerError) as caught:
        wishlist_add(user=shopper, product_uuid=product.uuid)
    assert (caught.value.code, caught.value.field) == (CustomerErrorCode.PRODUCT_UNAVAILABLE, "product")
    assert not WishlistItem.objects.exists()


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1", str(uuid.uuid4()), "' OR 1=1 --"])
def test_a_bad_or_unknown_product_id_is_refused(in_alpha, bad):
    with pytest.raises(CustomerError) as caught:
        wishlist_add(user=make_shopper(), product_uuid=bad)
    assert caught.value.code == CustomerErrorCode.PRODUCT_UNAVAILABLE


def test_the_wishlist_has_a_cap(in_alpha, monkeypatch):
    monkeypatch.setattr("apps.customers.services.wishlist.WISHLIST_MAX_ITEMS", 2)
    shopper = make_shopper()
    products = [make_product(f"Cap {n}") for n in range(3)]
    wishlist_add(user=shopper, product_uuid=products[0].uuid)
    wishlist_add(user=shopper, product_uuid=products[1].uuid)
    wishlist_add(user=shopper, product_uuid=products[1].uuid)  # already there: not refused
    with pytest.raises(CustomerError) as caught:
        wishlist_add(user=shopper, product_uuid=products[2].uuid)
    assert caught.value.code == CustomerErrorCode.WISHLIST_FULL


def test_a_deleted_product_leaves_the_wishlist_and_an_archived_one_is_hidden(in_alpha):
    shopper = make_shopper()
    kept, archived, deleted = (make_product(title) for title in ("Kept", "Archived", "Deleted"))
    for product in (kept, archived, deleted):
        wishlist_add(user=shopper, product_uuid=product.uuid)
    Product.objects.filter(pk=archived.pk).update(status=Product.Status.ARCHIVED)
    deleted.delete()
    assert [item.product.title for item in wishlist_list(user=shopper)] == ["Kept"]
    assert wishlist_count(user=shopper) == 1


def test_the_list_shows_each_products_lowest_price_newest_first(in_alpha):
    shopper = make_shopper()
    shirt = make_product("Shirt", variants=3, price="20.00")  # 20, 21, 22
    mug = make_product("Mug", price="8.50")
    wishlist_add(user=shopper, product_uuid=shirt.uuid)
    wishlist_add(user=shopper, product_uuid=mug.uuid)
    rows = []
    for item in wishlist_list(user=shopper):
        annotated: Any = item
        rows.append((item.product.title, str(annotated.min_price), annotated.price_currency))
    assert rows == [("Mug", "8.500", "EUR"), ("Shirt", "20.000", "EUR")]


@pytest.mark.parametrize("size", [1, 25])
def test_the_list_takes_the_same_queries_whatever_its_length(in_alpha, size):
    shopper = make_shopper()
    for n in range(size):
        wishlist_add(user=shopper, product_uuid=make_product(f"Item {n}", variants=2).uuid)
    with CaptureQueriesContext(connection) as queries:
        rows = list(wishlist_list(user=shopper))
        for row in rows:
            _ = (row.product.title, row.min_price, row.product.ordered_images)  # type: ignore[attr-defined]
    assert len(rows) == size
    assert len(queries) == 2  # items with product and price, then their images


def test_which_products_are_on_the_wishlist_is_one_query(in_alpha, django_user_model):
    shopper = make_shopper()
    on, off = make_product("On"), make_product("Off")
    wishlist_add(user=shopper, product_uuid=on.uuid)
    with CaptureQueriesContext(connection) as queries:
        assert wishlist_product_ids(user=shopper, product_ids=[on.pk, off.pk]) == {on.pk}
    assert len(queries) == 1


def test_wishlists_of_different_shoppers_are_their_own(in_alpha):
    one, two = make_shopper("one@example.com"), make_shopper("two@example.com")
    product = make_product("Shared")
    wishlist_add(user=one, product_uuid=product.uuid)
    assert wishlist_remove(user=two, product_uuid=product.uuid) is False
    assert wishlist_count(user=one) == 1 and wishlist_count(user=two) == 0
