"""The checkout's steps: start, contact, addresses, shipping, codes, store credit, changed
prices and completion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.checkout.errors import (
    CartNotOpen,
    CheckoutError,
    CheckoutErrorCode,
    CheckoutInputInvalid,
    CheckoutNotOpen,
    CodeRefused,
    ShippingUnavailable,
)
from apps.checkout.models import Cart, Checkout, Discount, GiftCard
from apps.checkout.selectors import checkout_problems, checkout_totals
from apps.checkout.services import (
    CHECKOUT_STARTED,
    checkout_address_set,
    checkout_code_apply,
    checkout_code_remove,
    checkout_complete_mark,
    checkout_contact_set,
    checkout_prices_accept,
    checkout_shipping_set,
    checkout_start,
    checkout_store_credit_set,
    store_credit_grant,
)
from apps.checkout.tests.factories import (
    address_input,
    cart_make,
    checkout_make,
    discount_make,
    gift_card_make,
    line_make,
    rate_make,
    variant_make,
    zone_make,
)
from apps.core.models import EventRecord
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

D = Decimal


def _shopper(email: str = "anna@example.com") -> User:
    return User.objects.create_user(email, "a-long-password-1")


# ------------------------------------------------------------------------------
# start
# ------------------------------------------------------------------------------
def test_start_opens_one_checkout_per_cart_and_announces_it_once(
    in_alpha: StoreWorld, django_capture_on_commit_callbacks
) -> None:
    # given a cart with a line
    cart = cart_make()
    line_make(cart=cart, variant=variant_make())
    # when the checkout is started twice
    with django_capture_on_commit_callbacks():
        first = checkout_start(cart=cart, user=None, language="de")
        second = checkout_start(cart=cart, user=None)
    # then it is the same checkout, and checkout.started was recorded once
    assert first.pk == second.pk
    assert first.language == "de"
    events = EventRecord.objects.filter(name=CHECKOUT_STARTED, payload__checkout=str(first.token))
    assert events.count() == 1
    assert events.get().payload["cart"] == str(cart.token)


def test_start_attaches_a_signed_in_shopper_and_their_email(in_alpha: StoreWorld) -> None:
    shopper = _shopper("Anna@Example.com")
    cart = cart_make(user=shopper)
    line_make(cart=cart, variant=variant_make())
    checkout = checkout_start(cart=cart, user=shopper)
    assert checkout.user_id == shopper.pk
    assert checkout.email == "anna@example.com"


def test_start_refuses_an_empty_or_closed_cart(in_alpha: StoreWorld) -> None:
    with pytest.raises(CheckoutError) as empty:
        checkout_start(cart=cart_make(), user=None)
    assert empty.value.code == CheckoutErrorCode.CART_EMPTY
    closed = cart_make(status=Cart.Status.MERGED)
    with pytest.raises(CartNotOpen):
        checkout_start(cart=closed, user=None)


def test_start_refuses_another_shoppers_cart(in_alpha: StoreWorld) -> None:
    owner, other = _shopper("owner@example.com"), _shopper("other@example.com")
    cart = cart_make(user=owner)
    line_make(cart=cart, variant=variant_make())
    with pytest.raises(CheckoutError):
        checkout_start(cart=cart, user=other)


# ------------------------------------------------------------------------------
# contact and addresses
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.com"])
def test_contact_refuses_a_bad_email(in_alpha: StoreWorld, email: str) -> None:
    checkout = checkout_make(email="")
    with pytest.raises(CheckoutInputInvalid) as refused:
        checkout_contact_set(checkout=checkout, email=email)
    assert refused.value.code == CheckoutErrorCode.EMAIL_INVALID
    assert refused.value.field == "email"
    checkout.refresh_from_db()
    assert checkout.email == ""


def test_contact_is_normalised(in_alpha: StoreWorld) -> None:
    checkout = checkout_make(email="")
    checkout_contact_set(checkout=checkout, email="  Max@Example.COM ")
    checkout.refresh_from_db()
    assert checkout.email == "max@example.com"


def test_address_is_checked_per_country_and_stored_cleaned(in_alpha: StoreWorld) -> None:
    checkout = checkout_make()
    # an incomplete address: every problem is reported, nothing is saved
    with pytest.raises(CheckoutInputInvalid) as refused:
        checkout_address_set(checkout=checkout, shipping_address=address_input(line1="", city=""))
    assert refused.value.code == CheckoutErrorCode.ADDRESS_INVALID
    assert refused.value.field == "shipping_address"
    assert {"line1", "city"} <= {error.field for error in refused.value.errors}
    checkout.refresh_from_db()
    assert checkout.shipping_address == {}
    # a German postal code must have five digits
    with pytest.raises(CheckoutInputInvalid) as postal:
        checkout_address_set(checkout=checkout, shipping_address=address_input(postal_code="1234"))
    assert "postal_code" in {error.field for error in postal.value.errors}
    # a valid one is stored as address_clean returns it; billing follows shipping
    checkout_address_set(checkout=checkout, shipping_address=address_input(country="de"))
    checkout.refresh_from_db()
    assert checkout.shipping_address["country"] == "DE"
    assert checkout.shipping_address["postal_code"] == "10117"
    assert checkout.billing_same_as_shipping is True
    assert checkout.billing_address == {}


def test_separate_billing_address(in_alpha: StoreWorld) -> None:
    checkout = checkout_make()
    checkout_address_set(
        checkout=checkout,
        shipping_address=address_input(),
        billing_address=address_input(name="Firma GmbH", line1="Friedrichstr. 10", postal_code="10969"),
    )
    checkout.refresh_from_db()
    assert checkout.billing_same_as_shipping is False
    assert checkout.billing_address["name"] == "Firma GmbH"


def test_changing_the_address_clears_a_method_not_offered_there(in_alpha: StoreWorld) -> None:
    germany = rate_make(zone=zone_make(countries=("DE",)))
    checkout = checkout_make(address=address_input())
    checkout_shipping_set(checkout=checkout, rate_id=germany.pk)
    checkout_address_set(
        checkout=checkout, shipping_address=address_input(city="Wien", postal_code="1010", country="AT")
    )
    checkout.refresh_from_db()
    assert checkout.shipping_rate_id is None


# ------------------------------------------------------------------------------
# shipping
# ------------------------------------------------------------------------------
def test_shipping_method_must_be_one_offered(in_alpha: StoreWorld) -> None:
    offered = rate_make(zone=zone_make(countries=("DE",)))
    elsewhere = rate_make(zone=zone_make(countries=("FR",)))
    checkout = checkout_make()
    with pytest.raises(ShippingUnavailable) as no_address:
        checkout_shipping_set(checkout=checkout, rate_id=offered.pk)
    assert no_address.value.code == CheckoutErrorCode.SHIPPING_ADDRESS_REQUIRED
    checkout_address_set(checkout=checkout, shipping_address=address_input())
    with pytest.raises(ShippingUnavailable) as refused:
        checkout_shipping_set(checkout=checkout, rate_id=elsewhere.pk)
    assert refused.value.code == CheckoutErrorCode.SHIPPING_METHOD_UNAVAILABLE
    checkout_shipping_set(checkout=checkout, rate_id=offered.pk)
    assert Checkout.objects.get(pk=checkout.pk).shipping_rate_id == offered.pk


# ------------------------------------------------------------------------------
# discount codes
# ------------------------------------------------------------------------------
def test_discount_code_is_matched_without_case_or_spaces(in_alpha: StoreWorld) -> None:
    discount_make(code="Summer10", value="10")
    checkout = checkout_make(price="50.00")
    result = checkout_code_apply(checkout=checkout, code=" summer 10 ")
    assert (result.kind, result.code) == ("discount", "Summer10")
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == ["Summer10"]
    assert checkout_totals(checkout=checkout).discount_total == D("5.00")
    # applying it again changes nothing
    checkout_code_apply(checkout=checkout, code="SUMMER10")
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == ["Summer10"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"active": False}, CheckoutErrorCode.CODE_INACTIVE),
        ({"starts_at": timezone.now() + timedelta(days=1)}, CheckoutErrorCode.CODE_NOT_STARTED),
        (
            {"starts_at": timezone.now() - timedelta(days=9), "ends_at": timezone.now() - timedelta(days=1)},
            CheckoutErrorCode.CODE_EXPIRED,
        ),
        ({"usage_limit": 3, "times_used": 3}, CheckoutErrorCode.CODE_EXHAUSTED),
        ({"min_subtotal": D("100")}, CheckoutErrorCode.CODE_MIN_SUBTOTAL),
    ],
)
def test_discount_code_refusals(in_alpha: StoreWorld, fields: dict[str, Any], code: str) -> None:
    discount_make(code="NOPE", **fields)
    checkout = checkout_make(price="20.00")
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code="nope")
    assert refused.value.code == code
    assert refused.value.field == "code"
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == []


def test_unknown_code(in_alpha: StoreWorld) -> None:
    checkout = checkout_make()
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code="WHATEVER")
    assert refused.value.code == CheckoutErrorCode.CODE_INVALID
    with pytest.raises(CodeRefused):
        checkout_code_apply(checkout=checkout, code="   ")


def test_code_for_products_not_in_the_cart(in_alpha: StoreWorld) -> None:
    other = variant_make(title="Elsewhere")
    discount_make(code="ONLYTHAT", products=[other.product])
    checkout = checkout_make()
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code="ONLYTHAT")
    assert refused.value.code == CheckoutErrorCode.CODE_NOT_APPLICABLE


def test_once_per_customer_code_already_used(in_alpha: StoreWorld) -> None:
    from apps.checkout.models import DiscountRedemption

    discount = discount_make(code="WELCOME", once_per_customer=True)
    DiscountRedemption.objects.create(
        discount=discount,
        order_reference="earlier",
        email="shopper@example.com",
        amount=D("1"),
        customer_key="shopper@example.com",
    )
    checkout = checkout_make(email="Shopper@Example.com")
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code="WELCOME")
    assert refused.value.code == CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER
    # someone else may use it
    other = checkout_make(email="new@example.com")
    checkout_code_apply(checkout=other, code="WELCOME")


def test_non_combining_code_replaces_the_codes_before_it(in_alpha: StoreWorld) -> None:
    discount_make(code="STACK1", value="5", combines=True)
    discount_make(code="STACK2", value="5", combines=True)
    discount_make(code="SOLO", value="20")
    checkout = checkout_make(price="100.00")
    checkout_code_apply(checkout=checkout, code="STACK1")
    checkout_code_apply(checkout=checkout, code="STACK2")
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == ["STACK1", "STACK2"]
    result = checkout_code_apply(checkout=checkout, code="SOLO")
    assert result.replaced == ("STACK1", "STACK2")
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == ["SOLO"]
    # and a combining code replaces a non-combining one
    checkout_code_apply(checkout=checkout, code="STACK1")
    assert Checkout.objects.get(pk=checkout.pk).discount_codes == ["STACK1"]


def test_code_remove(in_alpha: StoreWorld) -> None:
    discount_make(code="TEN")
    card = gift_card_make()
    checkout = checkout_make()
    checkout_code_apply(checkout=checkout, code="TEN")
    checkout_code_apply(checkout=checkout, code=card.code.lower())
    checkout_code_remove(checkout=checkout, code="ten")
    checkout_code_remove(checkout=checkout, code=card.code)
    checkout_code_remove(checkout=checkout, code="never-applied")
    stored = Checkout.objects.get(pk=checkout.pk)
    assert (stored.discount_codes, stored.gift_card_codes) == ([], [])


# ------------------------------------------------------------------------------
# gift cards
# ------------------------------------------------------------------------------
def test_gift_card_code_pays_part_of_the_order(in_alpha: StoreWorld) -> None:
    card = gift_card_make(amount="10.00")
    checkout = checkout_make(price="25.00")
    result = checkout_code_apply(checkout=checkout, code=card.code.lower())
    assert (result.kind, result.code) == ("gift_card", card.code)
    totals = checkout_totals(checkout=checkout)
    assert totals.gift_cards == ((card.code, D("10.00")),)
    assert totals.amount_due == D("15.00")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"active": False}, CheckoutErrorCode.GIFT_CARD_DISABLED),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, CheckoutErrorCode.GIFT_CARD_EXPIRED),
        ({"balance": D("0")}, CheckoutErrorCode.GIFT_CARD_EMPTY),
    ],
)
def test_gift_card_refusals(in_alpha: StoreWorld, change: dict[str, object], code: str) -> None:
    card = gift_card_make()
    GiftCard.objects.filter(pk=card.pk).update(**change)
    checkout = checkout_make()
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code=card.code)
    assert refused.value.code == code


def test_gift_card_in_another_currency(in_alpha: StoreWorld) -> None:
    card = gift_card_make(currency="USD")
    checkout = checkout_make(currency="EUR")
    with pytest.raises(CodeRefused) as refused:
        checkout_code_apply(checkout=checkout, code=card.code)
    assert refused.value.code == CheckoutErrorCode.GIFT_CARD_CURRENCY


def test_a_code_that_stops_applying_is_a_problem(in_alpha: StoreWorld) -> None:
    discount = discount_make(code="SOON-GONE")
    card = gift_card_make()
    checkout = checkout_make()
    checkout_code_apply(checkout=checkout, code="SOON-GONE")
    checkout_code_apply(checkout=checkout, code=card.code)
    Discount.objects.filter(pk=discount.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    GiftCard.objects.filter(pk=card.pk).update(active=False)
    checkout.refresh_from_db()
    totals = checkout_totals(checkout=checkout)
    assert totals.discounts == () and totals.gift_cards == ()
    problems = {
        (p.code, p.params.get("code"), p.params.get("reason")) for p in checkout_problems(checkout=checkout)
    }
    assert (CheckoutErrorCode.CODE_NO_LONGER_VALID, "SOON-GONE", CheckoutErrorCode.CODE_EXPIRED) in problems
    assert (
        CheckoutErrorCode.CODE_NO_LONGER_VALID,
        card.code,
        CheckoutErrorCode.GIFT_CARD_DISABLED,
    ) in problems


# ------------------------------------------------------------------------------
# store credit
# ------------------------------------------------------------------------------
def test_store_credit_needs_an_account_with_credit(in_alpha: StoreWorld) -> None:
    guest = checkout_make()
    with pytest.raises(CheckoutError) as refused:
        checkout_store_credit_set(checkout=guest, use=True)
    assert refused.value.code == CheckoutErrorCode.STORE_CREDIT_ACCOUNT_REQUIRED

    shopper = _shopper()
    mine = checkout_make(user=shopper, price="30.00")
    with pytest.raises(CheckoutError) as empty:
        checkout_store_credit_set(checkout=mine, use=True)
    assert empty.value.code == CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT
    store_credit_grant(user=shopper, amount=D("12.50"), reason="goodwill")
    checkout_store_credit_set(checkout=mine, use=True)
    totals = checkout_totals(checkout=mine)
    assert totals.store_credit_applied == D("12.50")
    assert totals.amount_due == D("17.50")
    checkout_store_credit_set(checkout=mine, use=False)
    assert checkout_totals(checkout=mine).store_credit_applied == D("0.00")


# ------------------------------------------------------------------------------
# changed prices
# ------------------------------------------------------------------------------
def test_changed_price_is_a_problem_until_accepted(in_alpha: StoreWorld) -> None:
    checkout = checkout_make(price="10.00")
    line = checkout.cart.lines.select_related("variant").get()
    line.variant.price = D("12.00")
    line.variant.save(update_fields=["price"])
    problems = checkout_problems(checkout=checkout)
    changed = [p for p in problems if p.code == CheckoutErrorCode.PRICE_CHANGED]
    assert len(changed) == 1 and changed[0].line == str(line.uuid)
    assert changed[0].params["old"] == "10.00" and changed[0].params["new"] == "12.00"
    # the totals already use today's price
    assert checkout_totals(checkout=checkout).subtotal == D("12.00")
    checkout_prices_accept(checkout=checkout)
    assert not [p for p in checkout_problems(checkout=checkout) if p.code == CheckoutErrorCode.PRICE_CHANGED]


# ------------------------------------------------------------------------------
# completion
# ------------------------------------------------------------------------------
def test_complete_mark_is_once_per_checkout(in_alpha: StoreWorld) -> None:
    checkout = checkout_make()
    checkout_complete_mark(checkout=checkout, order_reference="order-1")
    assert checkout.status == Checkout.Status.COMPLETED
    stored = Checkout.objects.select_related("cart").get(pk=checkout.pk)
    assert stored.order_reference == "order-1" and stored.completed_at is not None
    assert stored.cart.status == Cart.Status.CONVERTED
    # the same order again: nothing changes; another order: refused
    checkout_complete_mark(checkout=checkout, order_reference="order-1")
    with pytest.raises(CheckoutNotOpen):
        checkout_complete_mark(checkout=checkout, order_reference="order-2")
    # and no step changes a completed checkout
    with pytest.raises(CheckoutNotOpen):
        checkout_contact_set(checkout=checkout, email="late@example.com")
    with pytest.raises(CheckoutNotOpen):
        checkout_start(cart=stored.cart, user=None)


def test_one_order_reference_completes_one_checkout(in_alpha: StoreWorld) -> None:
    first, second = checkout_make(), checkout_make()
    checkout_complete_mark(checkout=first, order_reference="same-order")
    with pytest.raises(CheckoutError) as refused:
        checkout_complete_mark(checkout=second, order_reference="same-order")
    assert refused.value.code == CheckoutErrorCode.ORDER_REFERENCE_INVALID
    assert Checkout.objects.get(pk=second.pk).status == Checkout.Status.OPEN
