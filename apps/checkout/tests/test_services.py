from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from apps.catalog.models import Product, ProductVariant
from apps.checkout.checks import cart_limits_check
from apps.checkout.errors import CartError, CartErrorCode
from apps.checkout.models import Cart, CartLine
from apps.checkout.services import (
    cart_get_or_create,
    cart_line_add,
    cart_line_remove,
    cart_line_set_quantity,
    cart_merge,
    cart_quantity_parse,
)
from apps.checkout.tests.factories import cart_make, line_make, location_make, variant_make
from apps.inventory.models import Location
from apps.inventory.services import inventory_reserve, stock_set
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _lines(cart: Cart) -> dict[int, int]:
    return dict(CartLine.objects.filter(cart=cart).values_list("variant_id", "quantity"))


def _refused(code: str, call, *, field: str | None = None) -> CartError:  # type: ignore[no-untyped-def]
    with pytest.raises(CartError) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert caught.value.message  # a sentence for people, never empty
    return caught.value


# ------------------------------------------------------------------------------
# finding and opening carts
# ------------------------------------------------------------------------------
def test_a_guest_gets_a_new_cart_in_the_store_currency_and_finds_it_again_by_token(in_alpha):
    store_settings_update(data=StoreSettingsInput.from_settings(store_settings_get(), currency="JPY"))

    cart = cart_get_or_create(user=None)

    assert cart.status == Cart.Status.OPEN and cart.user is None and cart.currency == "JPY"
    assert cart_get_or_create(user=None, token=str(cart.token)) == cart
    assert cart_get_or_create(user=None, token=cart.token) == cart


@pytest.mark.parametrize("token", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000", 42])
def test_a_guest_with_a_bad_or_unknown_token_gets_a_fresh_cart(in_alpha, token):
    existing = cart_make()

    cart = cart_get_or_create(user=None, token=token)

    assert cart.pk != existing.pk and cart.status == Cart.Status.OPEN


def test_a_guest_token_never_opens_a_shoppers_cart_or_a_closed_one(in_alpha):
    shopper = make_store_user(in_alpha, "owner-of-cart@example.com")
    owned = cart_make(user=shopper)
    merged = cart_make(status=Cart.Status.MERGED)

    assert cart_get_or_create(user=None, token=str(owned.token)).pk not in (owned.pk, merged.pk)
    assert cart_get_or_create(user=None, token=str(merged.token)).pk not in (owned.pk, merged.pk)


def test_a_signed_in_shopper_has_one_open_cart_found_by_account(in_alpha):
    shopper = make_store_user(in_alpha, "one-cart@example.com")

    first = cart_get_or_create(user=shopper)
    again = cart_get_or_create(user=shopper, token="ignored")

    assert first == again and first.user == shopper
    with pytest.raises(IntegrityError), transaction.atomic():
        Cart.objects.create(user=shopper, currency="EUR")


# ------------------------------------------------------------------------------
# adding
# ------------------------------------------------------------------------------
def test_adding_creates_a_line_then_adds_up_and_stamps_the_cart(in_alpha):
    variant = variant_make(price="12.50", stock=10)
    cart = cart_make()
    before = cart.updated_at

    line = cart_line_add(cart=cart, variant=variant, quantity=2)
    cart_line_add(cart=cart, variant=variant, quantity=3)

    line.refresh_from_db()
    assert line.quantity == 5 and line.unit_price_snapshot == Decimal("12.50")
    assert CartLine.objects.filter(cart=cart).count() == 1
    cart.refresh_from_db()
    assert cart.updated_at > before


def test_the_price_snapshot_is_rounded_to_the_cart_currency(in_alpha):
    variant = variant_make(price="1234.000", stock=5)
    ProductVariant.objects.filter(pk=variant.pk).update(price=Decimal("1234.567"))
    cart = cart_make(currency="JPY")

    line = cart_line_add(cart=cart, variant=variant, quantity=1)

    assert line.unit_price_snapshot == Decimal("1235")


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (0, CartErrorCode.QUANTITY_TOO_SMALL),
        (-1, CartErrorCode.QUANTITY_TOO_SMALL),
        (100, CartErrorCode.QUANTITY_TOO_LARGE),
        (10**12, CartErrorCode.QUANTITY_TOO_LARGE),
        (Decimal("1.5"), CartErrorCode.QUANTITY_INVALID),
        (1.0, CartErrorCode.QUANTITY_INVALID),
        ("2", CartErrorCode.QUANTITY_INVALID),
        (True, CartErrorCode.QUANTITY_INVALID),
        (None, CartErrorCode.QUANTITY_INVALID),
    ],
)
def test_adding_a_bad_quantity_is_refused_and_changes_nothing(in_alpha, quantity, code):
    variant = variant_make(stock=500)
    cart = cart_make()
    line_make(cart=cart, variant=variant, quantity=1)

    _refused(code, lambda: cart_line_add(cart=cart, variant=variant, quantity=quantity), field="quantity")

    assert _lines(cart) == {variant.pk: 1}


def test_adding_an_unknown_variant_is_refused(in_alpha):
    variant = variant_make()
    cart = cart_make()
    gone = ProductVariant(pk=variant.pk + 10_000, product=variant.product, sku="GONE", price=Decimal(1))

    _refused(
        CartErrorCode.VARIANT_UNKNOWN,
        lambda: cart_line_add(cart=cart, variant=gone, quantity=1),
        field="variant",
    )

    assert _lines(cart) == {}


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_adding_a_product_that_is_not_for_sale_is_refused(in_alpha, status):
    variant = variant_make(status=status)
    cart = cart_make()

    error = _refused(
        CartErrorCode.PRODUCT_UNAVAILABLE, lambda: cart_line_add(cart=cart, variant=variant, quantity=1)
    )

    assert "Linen shirt" in error.message and _lines(cart) == {}


def test_adding_a_sold_out_variant_is_refused(in_alpha):
    variant = variant_make(stock=0)
    cart = cart_make()

    error = _refused(
        CartErrorCode.SOLD_OUT,
        lambda: cart_line_add(cart=cart, variant=variant, quantity=1),
        field="quantity",
    )

    assert "sold out" in error.message and _lines(cart) == {}


def test_adding_more_than_is_available_counts_what_is_already_in_the_cart(in_alpha):
    variant = variant_make(stock=5)
    cart = cart_make()
    cart_line_add(cart=cart, variant=variant, quantity=4)

    error = _refused(
        CartErrorCode.INSUFFICIENT_STOCK, lambda: cart_line_add(cart=cart, variant=variant, quantity=2)
    )

    assert error.params == {"product": "Linen shirt", "available": 5, "in_cart": 4, "value": 6}
    assert _lines(cart) == {variant.pk: 4}
    cart_line_add(cart=cart, variant=variant, quantity=1)  # exactly what is left is fine
    assert _lines(cart) == {variant.pk: 5}


def test_available_is_on_hand_minus_reserved_summed_over_active_locations(in_alpha):
    first, second, closed = location_make(), location_make(), location_make(is_active=False)
    variant = variant_make(stock=3, location=first)
    stock_set(variant=variant, location=second, on_hand=4, reason="test")
    stock_set(variant=variant, location=closed, on_hand=50, reason="test")
    inventory_reserve(variant=variant, quantity=2, reference="order-1", location=second)
    cart = cart_make()

    # 3 + (4 - 2) = 5; the inactive location's 50 do not count
    _refused(CartErrorCode.INSUFFICIENT_STOCK, lambda: cart_line_add(cart=cart, variant=variant, quantity=6))
    cart_line_add(cart=cart, variant=variant, quantity=5)

    assert _lines(cart) == {variant.pk: 5}
    assert Location.objects.filter(pk=closed.pk, is_active=False).exists()


@override_settings(CART_LINE_MAX_QUANTITY=5)
def test_the_line_limit_applies_to_the_total_in_the_cart(in_alpha):
    variant = variant_make(stock=100)
    cart = cart_make()
    cart_line_add(cart=cart, variant=variant, quantity=4)

    error = _refused(
        CartErrorCode.QUANTITY_TOO_LARGE, lambda: cart_line_add(cart=cart, variant=variant, quantity=2)
    )

    assert error.params["max"] == 5 and error.params["in_cart"] == 4
    assert _lines(cart) == {variant.pk: 4}


@override_settings(CART_MAX_LINES=2)
def test_a_cart_holds_at_most_cart_max_lines_lines(in_alpha):
    first, second, third = variant_make(), variant_make(), variant_make()
    cart = cart_make()
    cart_line_add(cart=cart, variant=first, quantity=1)
    cart_line_add(cart=cart, variant=second, quantity=1)

    _refused(CartErrorCode.TOO_MANY_LINES, lambda: cart_line_add(cart=cart, variant=third, quantity=1))
    cart_line_add(cart=cart, variant=first, quantity=1)  # more of a line it holds is fine

    assert _lines(cart) == {first.pk: 2, second.pk: 1}


@pytest.mark.parametrize("status", [Cart.Status.MERGED, Cart.Status.CONVERTED])
def test_a_cart_that_is_no_longer_open_cannot_change(in_alpha, status):
    variant = variant_make()
    cart = cart_make()
    line = line_make(cart=cart, variant=variant)
    Cart.objects.filter(pk=cart.pk).update(status=status)

    _refused(CartErrorCode.CART_NOT_OPEN, lambda: cart_line_add(cart=cart, variant=variant, quantity=1))
    _refused(CartErrorCode.CART_NOT_OPEN, lambda: cart_line_set_quantity(cart=cart, line=line, quantity=2))
    _refused(CartErrorCode.CART_NOT_OPEN, lambda: cart_line_remove(cart=cart, line=line))

    assert _lines(cart) == {variant.pk: 1}


# ------------------------------------------------------------------------------
# changing and removing
# ------------------------------------------------------------------------------
def test_setting_a_quantity_changes_the_line_and_zero_removes_it(in_alpha):
    variant = variant_make(stock=10)
    cart = cart_make()
    line = line_make(cart=cart, variant=variant, quantity=1)

    changed = cart_line_set_quantity(cart=cart, line=line, quantity=7)
    assert changed is not None and changed.quantity == 7

    assert cart_line_set_quantity(cart=cart, line=line, quantity=0) is None
    assert _lines(cart) == {}


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (-1, CartErrorCode.QUANTITY_TOO_SMALL),
        (100, CartErrorCode.QUANTITY_TOO_LARGE),
        (11, CartErrorCode.INSUFFICIENT_STOCK),
        ("3", CartErrorCode.QUANTITY_INVALID),
    ],
)
def test_setting_a_bad_quantity_is_refused_and_changes_nothing(in_alpha, quantity, code):
    variant = variant_make(stock=10)
    cart = cart_make()
    line = line_make(cart=cart, variant=variant, quantity=2)

    _refused(code, lambda: cart_line_set_quantity(cart=cart, line=line, quantity=quantity), field="quantity")

    assert _lines(cart) == {variant.pk: 2}


def test_setting_a_quantity_of_a_line_whose_product_went_off_sale_is_refused_but_removing_works(in_alpha):
    variant = variant_make(stock=10)
    cart = cart_make()
    line = line_make(cart=cart, variant=variant, quantity=2)
    Product.objects.filter(pk=variant.product_id).update(status=Product.Status.ARCHIVED)

    _refused(
        CartErrorCode.PRODUCT_UNAVAILABLE, lambda: cart_line_set_quantity(cart=cart, line=line, quantity=1)
    )
    cart_line_remove(cart=cart, line=line)

    assert _lines(cart) == {}


def test_a_line_of_another_cart_is_unknown_to_this_one(in_alpha):
    variant = variant_make()
    mine, theirs = cart_make(), cart_make()
    their_line = line_make(cart=theirs, variant=variant, quantity=3)

    _refused(
        CartErrorCode.LINE_UNKNOWN, lambda: cart_line_set_quantity(cart=mine, line=their_line, quantity=1)
    )
    _refused(CartErrorCode.LINE_UNKNOWN, lambda: cart_line_remove(cart=mine, line=their_line))

    assert _lines(theirs) == {variant.pk: 3}


def test_changes_stamp_the_cart_updated_at(in_alpha):
    variant = variant_make()
    cart = cart_make()
    line = line_make(cart=cart, variant=variant)
    stamps = [Cart.objects.get(pk=cart.pk).updated_at]

    cart_line_set_quantity(cart=cart, line=line, quantity=2)
    stamps.append(Cart.objects.get(pk=cart.pk).updated_at)
    cart_line_remove(cart=cart, line=line)
    stamps.append(Cart.objects.get(pk=cart.pk).updated_at)

    assert stamps[0] < stamps[1] < stamps[2]
    assert cart.updated_at == stamps[2]  # the caller's instance is kept current


# ------------------------------------------------------------------------------
# merging
# ------------------------------------------------------------------------------
def test_merging_adds_quantities_and_closes_the_guest_cart(in_alpha):
    shirt, socks, hat = variant_make(stock=10), variant_make(title="Socks"), variant_make(title="Hat")
    shopper = make_store_user(in_alpha, "merge@example.com")
    guest, own = cart_make(), cart_make(user=shopper)
    line_make(cart=guest, variant=shirt, quantity=2)
    line_make(cart=guest, variant=socks, quantity=1)
    line_make(cart=own, variant=shirt, quantity=3)
    line_make(cart=own, variant=hat, quantity=1)

    result = cart_merge(from_cart=guest, into_cart=own)

    assert _lines(own) == {shirt.pk: 5, socks.pk: 1, hat.pk: 1}
    assert result.units_added == 3 and result.adjustments == []
    guest.refresh_from_db()
    assert guest.status == Cart.Status.MERGED and guest.merged_into == own
    assert _lines(guest) == {shirt.pk: 2, socks.pk: 1}  # kept as it was, for the record


def test_merging_caps_by_stock_and_by_the_line_limit_and_reports_it(in_alpha):
    scarce, plenty = variant_make(title="Scarce", stock=4), variant_make(title="Plenty", stock=1000)
    guest, own = cart_make(), cart_make()
    line_make(cart=guest, variant=scarce, quantity=3)
    line_make(cart=own, variant=scarce, quantity=2)
    line_make(cart=guest, variant=plenty, quantity=60)
    line_make(cart=own, variant=plenty, quantity=60)

    result = cart_merge(from_cart=guest, into_cart=own)

    assert _lines(own) == {scarce.pk: 4, plenty.pk: 99}
    reasons = {
        adjustment.product: (adjustment.wanted, adjustment.kept, adjustment.reason)
        for adjustment in result.adjustments
    }
    assert reasons == {
        "Scarce": (5, 4, CartErrorCode.INSUFFICIENT_STOCK),
        "Plenty": (120, 99, CartErrorCode.QUANTITY_TOO_LARGE),
    }


def test_merging_never_lowers_the_shoppers_own_quantity_and_leaves_out_what_cannot_be_sold(in_alpha):
    shirt = variant_make(stock=3)
    sold_out = variant_make(title="Gone", stock=0)
    archived = variant_make(title="Old")
    Product.objects.filter(pk=archived.product_id).update(status=Product.Status.ARCHIVED)
    guest, own = cart_make(), cart_make()
    line_make(cart=own, variant=shirt, quantity=5)  # more than is left now
    line_make(cart=guest, variant=shirt, quantity=1)
    line_make(cart=guest, variant=sold_out, quantity=1)
    line_make(cart=guest, variant=archived, quantity=1)

    result = cart_merge(from_cart=guest, into_cart=own)

    assert _lines(own) == {shirt.pk: 5}
    assert {(a.product, a.kept, a.reason) for a in result.adjustments} == {
        ("Linen shirt", 5, CartErrorCode.INSUFFICIENT_STOCK),
        ("Gone", 0, CartErrorCode.SOLD_OUT),
        ("Old", 0, CartErrorCode.PRODUCT_UNAVAILABLE),
    }


@override_settings(CART_MAX_LINES=1)
def test_merging_leaves_out_lines_past_the_line_limit(in_alpha):
    kept, extra = variant_make(), variant_make(title="Extra")
    guest, own = cart_make(), cart_make()
    line_make(cart=own, variant=kept)
    line_make(cart=guest, variant=extra)

    result = cart_merge(from_cart=guest, into_cart=own)

    assert _lines(own) == {kept.pk: 1}
    assert [(a.product, a.reason) for a in result.adjustments] == [("Extra", CartErrorCode.TOO_MANY_LINES)]


def test_merging_again_changes_nothing_and_bad_merges_are_refused(in_alpha):
    variant = variant_make()
    guest, own, other = cart_make(), cart_make(), cart_make()
    line_make(cart=guest, variant=variant, quantity=2)
    cart_merge(from_cart=guest, into_cart=own)

    again = cart_merge(from_cart=guest, into_cart=own)

    assert again.units_added == 0 and _lines(own) == {variant.pk: 2}
    _refused(CartErrorCode.MERGE_INVALID, lambda: cart_merge(from_cart=own, into_cart=own))
    _refused(CartErrorCode.CART_NOT_OPEN, lambda: cart_merge(from_cart=guest, into_cart=other))
    assert _lines(other) == {}


# ------------------------------------------------------------------------------
# reading a quantity from a form, the settings check, the database's own rules
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [("1", 1), (" 3 ", 3), ("+2", 2), ("099", 99), (7, 7)])
def test_a_quantity_is_read_from_a_form(text, expected):
    assert cart_quantity_parse(value=text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", CartErrorCode.QUANTITY_INVALID),
        ("abc", CartErrorCode.QUANTITY_INVALID),
        ("1.5", CartErrorCode.QUANTITY_INVALID),
        ("1e3", CartErrorCode.QUANTITY_INVALID),
        ("٣", CartErrorCode.QUANTITY_INVALID),  # a digit, but not one a shopper types here
        ("9" * 40, CartErrorCode.QUANTITY_INVALID),
        (None, CartErrorCode.QUANTITY_INVALID),
        ("0", CartErrorCode.QUANTITY_TOO_SMALL),
        ("-1", CartErrorCode.QUANTITY_TOO_SMALL),
        ("100", CartErrorCode.QUANTITY_TOO_LARGE),
        ("999999999", CartErrorCode.QUANTITY_TOO_LARGE),
    ],
)
def test_a_bad_quantity_from_a_form_is_named(text, code):
    _refused(code, lambda: cart_quantity_parse(value=text), field="quantity")


def test_zero_is_a_quantity_where_it_removes():
    assert cart_quantity_parse(value="0", allow_zero=True) == 0
    _refused(CartErrorCode.QUANTITY_TOO_SMALL, lambda: cart_quantity_parse(value="-1", allow_zero=True))


def test_the_database_refuses_a_quantity_out_of_range_and_a_second_line_per_variant(in_alpha):
    variant = variant_make()
    cart = cart_make()
    line_make(cart=cart, variant=variant)

    for quantity in (0, 10_000):
        with pytest.raises(IntegrityError), transaction.atomic():
            CartLine.objects.create(
                cart=cart, variant=variant_make(), quantity=quantity, unit_price_snapshot=1
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        line_make(cart=cart, variant=variant)


@pytest.mark.parametrize(
    ("overrides", "ids"),
    [
        ({}, []),
        ({"CART_LINE_MAX_QUANTITY": 0}, ["checkout.E001"]),
        ({"CART_LINE_MAX_QUANTITY": 10_000}, ["checkout.E001"]),
        ({"CART_MAX_LINES": 0}, ["checkout.E002"]),
    ],
)
def test_the_cart_limits_are_checked_at_start_up(overrides, ids):
    with override_settings(**overrides):
        assert [error.id for error in cart_limits_check()] == ids
