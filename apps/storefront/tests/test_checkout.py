"""The checkout's steps through the pages, as a browser without JavaScript sends them: contact,
shipping address, shipping method, payment and review; each step's refusals shown next to the
field; what must be fixed shown before paying; and the headers every checkout page carries."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from apps.accounts.models import User
from apps.checkout.tests.factories import discount_make, gift_card_make
from apps.customers.models import Address
from apps.orders.enums import OrderStatus
from apps.storefront.tests.checkout_support import (
    ADDRESS,
    CARD_SUCCEEDS,
    cart_client,
    checkout_of,
    expected,
    inside,
    on_hand,
    orders_of,
    place,
    shop_make,
    start,
    to_payment,
    url,
)
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# ------------------------------------------------------------------------------
# the way through
# ------------------------------------------------------------------------------
def test_a_guest_goes_from_the_cart_through_every_step_to_a_paid_order(alpha: StoreWorld):
    # given a cart with two shirts
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 2)])
    assert 'href="/checkout/"' in _html(client.get("/cart/"))

    # when the shopper opens the checkout, the first step is the contact
    response = client.get("/checkout/")
    token = response["Location"].split("/")[2]
    assert response["Location"] == url(token, "contact")
    contact = client.get(url(token, "contact"))
    assert contact.status_code == 200
    assert 'href="/accounts/login/?next=/checkout/"' in _html(contact)

    # each step leads to the next
    assert client.post(url(token, "contact"), {"email": "Erika@Example.com"})["Location"] == url(
        token, "address"
    )
    assert client.post(url(token, "address"), ADDRESS)["Location"] == url(token, "shipping")
    shipping = _html(client.get(url(token, "shipping")))
    assert "Standard" in shipping and "Pick up" in shipping and "2–4 business days" in shipping
    assert client.post(url(token, "shipping"), {"rate": shop.standard.pk})["Location"] == url(
        token, "payment"
    )

    # the review shows lines and the totals: 2 x 20.00 + 5.00 shipping + 19 % VAT = 53.55
    payment = _html(client.get(url(token, "payment")))
    assert "erika@example.com" in payment and "Unter den Linden 1" in payment
    assert "Berlin, Germany" in payment  # the country by its name, as the order page shows it
    assert re.search(r'data-total="subtotal">€40.00<', payment)
    assert re.search(r'data-total="shipping">€5.00<', payment)
    assert re.search(r'data-total="tax">€8.55<', payment)
    assert re.search(r'data-total="total">€53.55<', payment)
    assert 'name="expected_total" value="53.55"' in payment
    assert "Test card (no real payment)" in payment and "Bank transfer" in payment

    # when the order is placed with the test card that succeeds
    response = place(client, token)

    # then the order is paid, the stock left and the confirmation shows it
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PAID
    assert order.total == Decimal("53.55") and order.number >= 1001
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    assert on_hand(alpha, shop.variants[0]) == (8, 0)
    complete = client.get(response["Location"])
    assert complete.status_code == 200
    html = _html(complete)
    assert f"Order #{order.number}" in html and "Linen shirt 0" in html and "€53.55" in html
    assert "Unter den Linden 1" in html
    assert re.search(r'href="http://alpha[^"]+/orders/status/[^"]+/"', html)
    assert checkout_of(alpha, token).status == "completed"
    # the cart is spent: the header counts nothing
    assert "Cart (<span data-cart-count>0</span>)" in _html(client.get("/"))


def test_a_bank_transfer_order_waits_for_the_money_and_shows_the_instructions(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    response = place(client, token, method="bank_transfer")

    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PENDING
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    html = _html(client.get(response["Location"]))
    assert "How to pay" in html and "IBAN DE00 1234" in html and f"order #{order.number}" in html
    assert on_hand(alpha, shop.variants[0]) == (10, 1)  # held for the transfer


def test_local_pickup_costs_nothing_and_is_taxed_where_it_is_picked_up(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.pickup)

    html = _html(client.get(url(token, "payment")))

    assert re.search(r'data-total="shipping">Free<', html)
    assert re.search(r'data-total="total">€23.80<', html)  # 20.00 + 19 %
    assert "Pick up" in html


def test_a_signed_in_shopper_picks_a_saved_address_and_gets_the_order_in_the_account(alpha: StoreWorld):
    shop = shop_make(alpha)
    user = make_store_user(alpha, "saved@example.com")
    with inside(alpha):
        saved = Address.objects.create(
            user=user,
            name="Max Mustermann",
            line1="Karl-Marx-Allee 3",
            city="Berlin",
            postal_code="10178",
            country="DE",
            is_default=True,
        )
    client = store_client(alpha)
    assert (
        client.post("/accounts/login/", {"login": "saved@example.com", "password": PASSWORD}).status_code
        == 302
    )
    cart_client(alpha, [(shop.variants[0], 1)], client=client)

    # the contact is the account's email: the checkout starts at the address
    token = start(client)
    assert client.get("/checkout/")["Location"] == url(token, "address")
    page = _html(client.get(url(token, "address")))
    assert "Karl-Marx-Allee 3" in page and f'value="{saved.uuid}"' in page

    # choosing the saved address fills the step
    response = client.post(url(token, "address"), {"saved_address": str(saved.uuid)})
    assert response["Location"] == url(token, "shipping")
    assert checkout_of(alpha, token).shipping_address["line1"] == "Karl-Marx-Allee 3"
    client.post(url(token, "shipping"), {"rate": shop.standard.pk})
    place(client, token)

    [order] = orders_of(alpha, token)
    assert (
        order.status == OrderStatus.PAID and order.user_id == user.pk and order.email == "saved@example.com"
    )
    assert f"Order #{order.number}" in _html(client.get("/account/orders/"))


def test_a_saved_address_of_another_shopper_cannot_be_used(alpha: StoreWorld):
    shop = shop_make(alpha)
    other = make_store_user(alpha, "other@example.com")
    with inside(alpha):
        theirs = Address.objects.create(
            user=other, name="O", line1="Elsewhere 1", city="Berlin", postal_code="10115", country="DE"
        )
    make_store_user(alpha, "me@example.com")
    client = store_client(alpha)
    client.post("/accounts/login/", {"login": "me@example.com", "password": PASSWORD})
    cart_client(alpha, [(shop.variants[0], 1)], client=client)
    token = start(client)

    assert client.post(url(token, "address"), {"saved_address": str(theirs.uuid)}).status_code == 404
    assert checkout_of(alpha, token).shipping_address == {}


def test_the_sign_in_link_brings_a_guest_back_to_the_checkout_with_the_cart(alpha: StoreWorld):
    shop = shop_make(alpha)
    make_store_user(alpha, "later@example.com")
    client = cart_client(alpha, [(shop.variants[0], 3)])
    token = start(client)

    response = client.post(
        "/accounts/login/?next=/checkout/",
        {"login": "later@example.com", "password": PASSWORD, "next": "/checkout/"},
    )
    assert response["Location"] == "/checkout/"
    mine = start(client)

    # the guest cart became the account's: a checkout of the account's cart, email filled in
    assert mine != token
    checkout = checkout_of(alpha, mine)
    assert checkout.email == "later@example.com" and checkout.user is not None
    assert "Linen shirt 0" in _html(client.get(url(mine, "address")))
    # the guest checkout of the merged cart starts over
    assert client.get(url(token, "address"))["Location"] == "/checkout/"


# ------------------------------------------------------------------------------
# each step's refusals
# ------------------------------------------------------------------------------
def test_the_contact_step_refuses_a_missing_or_invalid_email(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = start(client)

    missing = client.post(url(token, "contact"), {"email": ""})
    invalid = client.post(url(token, "contact"), {"email": "not-an-email"})

    assert missing.status_code == 400 and "Enter your email address." in _html(missing)
    assert invalid.status_code == 400 and "Enter a valid email address" in _html(invalid)
    assert checkout_of(alpha, token).email == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shipping-postal_code": "1234"}, "“1234” is not a valid postal code for Germany. Enter one like"),
        ({"shipping-postal_code": ""}, "Addresses in Germany need a postal code."),
        ({"shipping-name": ""}, "Full name is required."),
        ({"shipping-line1": ""}, "Address is required."),
        ({"shipping-city": ""}, "City is required for addresses in Germany."),
        ({"shipping-country": ""}, "Country is required."),
        (
            {"shipping-country": "US", "shipping-postal_code": "10001"},
            "State is required for addresses in United States.",
        ),
    ],
)
def test_the_address_step_shows_what_is_wrong_next_to_the_field(alpha: StoreWorld, changes, message):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = start(client)
    client.post(url(token, "contact"), {"email": "erika@example.com"})

    response = client.post(url(token, "address"), {**ADDRESS, **changes})

    assert response.status_code == 400
    html = _html(response)
    assert message in html
    assert re.search(r'class="field-error" id="id_shipping-[a-z_0-9]+-error" role="alert"', html)
    assert checkout_of(alpha, token).shipping_address == {}


def test_a_separate_billing_address_is_checked_too(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = start(client)
    client.post(url(token, "contact"), {"email": "erika@example.com"})
    data = {key: value for key, value in ADDRESS.items() if key != "billing_same"}

    refused = client.post(
        url(token, "address"), {**data, "billing-name": "Firma GmbH", "billing-country": "DE"}
    )
    assert refused.status_code == 400 and 'id="id_billing-line1-error"' in _html(refused)

    billing = {
        "billing-name": "Firma GmbH",
        "billing-line1": "Hauptstr. 5",
        "billing-city": "Hamburg",
        "billing-postal_code": "20095",
        "billing-country": "DE",
    }
    assert client.post(url(token, "address"), {**data, **billing}).status_code == 302
    checkout = checkout_of(alpha, token)
    assert checkout.billing_address["city"] == "Hamburg" and not checkout.billing_same_as_shipping


def test_the_shipping_step_needs_a_method_from_the_list(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client)

    none = client.post(url(token, "shipping"), {})
    forged = client.post(url(token, "shipping"), {"rate": "999999"})
    word = client.post(url(token, "shipping"), {"rate": "fast"})

    assert none.status_code == 400 and "Choose a shipping method." in _html(none)
    assert forged.status_code == 400 and "not available for your address" in _html(forged)
    assert word.status_code == 400
    assert checkout_of(alpha, token).shipping_rate_id is None
    # the payment step is not reachable before a method is chosen
    assert client.get(url(token, "payment"))["Location"] == url(token, "shipping")


def test_an_address_nobody_ships_to_says_so(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    address = {**ADDRESS, "shipping-country": "FR", "shipping-postal_code": "75001", "shipping-city": "Paris"}
    token = to_payment(client, address=address)

    html = _html(client.get(url(token, "shipping")))

    assert "We cannot ship this order to France" in html


def test_steps_ahead_of_the_shopper_send_back_to_the_first_one_not_done(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = start(client)

    assert client.get(url(token, "shipping"))["Location"] == url(token, "contact")
    assert client.get(url(token, "payment"))["Location"] == url(token, "contact")


def test_an_empty_cart_cannot_be_checked_out(alpha: StoreWorld):
    response = store_client(alpha).get("/checkout/", follow=True)

    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Your cart is empty." in _html(response)


# ------------------------------------------------------------------------------
# codes, gift cards, store credit
# ------------------------------------------------------------------------------
def test_a_discount_code_and_a_gift_card_show_in_the_totals_and_the_order(alpha: StoreWorld):
    shop = shop_make(alpha)
    with inside(alpha):
        discount_make(code="SPRING10", value="10")
        card = gift_card_make(amount="30.00", code="GIFT-ABCD")
    client = cart_client(alpha, [(shop.variants[0], 2)])
    token = to_payment(client, rate=shop.standard)

    assert client.post(url(token, "codes"), {"code": "spring10"}).status_code == 302
    assert client.post(url(token, "codes"), {"code": "gift-abcd"}).status_code == 302
    html = _html(client.get(url(token, "payment")))

    # 40.00 - 4.00 + 5.00 = 41.00 + 19 % = 48.79; the gift card pays 30.00 of it
    assert re.search(r'Discount SPRING10</th><td data-total="discount">−€4.00<', html)
    assert re.search(r'data-total="total">€48.79<', html)
    assert re.search(r'Gift card GIFT-ABCD</th><td data-total="gift-card">−€30.00<', html)
    assert re.search(r'data-total="amount-due">€18.79<', html)

    place(client, token)
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("18.79")
    with inside(alpha):
        card.refresh_from_db()
    assert card.balance == Decimal("0.00")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NOPE", "NOPE is not a valid discount or gift card code."),
        ("OLD", "The code OLD has expired."),
        ("LATER", "The code LATER is not valid yet."),
        ("USEDUP", "The code USEDUP has been used up."),
        ("BIG", "The code BIG needs a subtotal of at least €100.00."),
        ("EMPTY-CARD", "The gift card EMPTY-CARD has no balance left."),
        ("EXPIRED-CARD", "The gift card EXPIRED-CARD has expired."),
        ("", "Enter a code."),
    ],
)
def test_a_refused_code_is_explained_next_to_the_field(alpha: StoreWorld, code: str, message: str):
    from datetime import timedelta

    from django.utils import timezone

    from apps.checkout.models import GiftCard

    shop = shop_make(alpha)
    now = timezone.now()
    with inside(alpha):
        discount_make(code="OLD", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
        discount_make(code="LATER", starts_at=now + timedelta(days=1))
        discount_make(code="USEDUP", usage_limit=1, times_used=1)
        discount_make(code="BIG", min_subtotal=Decimal("100"))
        empty = gift_card_make(amount="10.00", code="EMPTY-CARD")
        GiftCard.objects.filter(pk=empty.pk).update(balance=Decimal(0))
        expired = gift_card_make(amount="10.00", code="EXPIRED-CARD", expires_at=now + timedelta(days=1))
        GiftCard.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=1))
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    response = client.post(url(token, "codes"), {"code": code})

    assert response.status_code == 400
    html = _html(response)
    assert re.search(
        r'<p class="field-error" id="checkout-code-error" role="alert">' + re.escape(message), html
    ), html[html.find("checkout-code") :][:800]
    assert f'value="{code}"' in html
    checkout = checkout_of(alpha, token)
    assert checkout.discount_codes == [] and checkout.gift_card_codes == []


def test_a_gift_card_short_of_its_balance_pays_part_and_the_card_pays_the_rest(alpha: StoreWorld):
    shop = shop_make(alpha)
    with inside(alpha):
        card = gift_card_make(amount="5.00", code="SMALL-CARD")
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    client.post(url(token, "codes"), {"code": "SMALL-CARD"})

    html = _html(client.get(url(token, "payment")))
    assert re.search(r'data-total="total">€29.75<', html)  # (20 + 5) x 1.19
    assert re.search(r'data-total="amount-due">€24.75<', html)

    place(client, token)
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PAID and order.gift_card_total == Decimal("5.00")
    assert order.amount_paid == Decimal("24.75")
    with inside(alpha):
        card.refresh_from_db()
    assert card.balance == Decimal("0.00")


def test_a_gift_card_spent_elsewhere_after_review_is_never_silently_charged_to_the_card(alpha: StoreWorld):
    from apps.checkout.models import GiftCard

    shop = shop_make(alpha)
    with inside(alpha):
        card = gift_card_make(amount="20.00", code="SHARED-CARD")
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    client.post(url(token, "codes"), {"code": "SHARED-CARD"})
    seen = expected(client, token)
    assert seen == {"expected_total": "29.75", "expected_amount_due": "9.75"}

    # meanwhile the card was spent down to 2.00 elsewhere
    with inside(alpha):
        GiftCard.objects.filter(pk=card.pk).update(balance=Decimal("2.00"))
    response = client.post(
        url(token, "place"), {"method": "dummy", "card_number": CARD_SUCCEEDS, **seen}, follow=True
    )

    assert orders_of(alpha, token) == []
    assert "The amount to pay changed to €27.75" in _html(response)


def test_a_gift_card_paying_for_everything_places_the_order_with_no_payment_method(alpha: StoreWorld):
    from apps.checkout.models import GiftCard
    from apps.storefront.tests.checkout_support import payments_set

    # given a store that takes no payments at all (nothing enabled) and a gift card worth more
    # than the order (29.75)
    shop = shop_make(alpha)
    with inside(alpha):
        payments_set(dummy_enabled=False, bank_transfer_enabled=False)
        card = gift_card_make(amount="100.00", code="BIG-CARD")
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    client.post(url(token, "codes"), {"code": "BIG-CARD"})

    # then the payment step offers no payment method, only "Place order"
    html = _html(client.get(url(token, "payment")))
    assert re.search(r'data-total="amount-due">€0.00<', html)
    assert 'name="method"' not in html
    assert re.search(
        r'<button type="submit" class="sf-btn sf-btn-primary checkout-place">Place order</button>', html
    )

    # when the shopper places it (no method is sent)
    response = client.post(url(token, "place"), expected(client, token))

    # then the order is paid at once, without any payment attempt
    [order] = orders_of(alpha, token)
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    assert order.status == OrderStatus.PAID and order.gift_card_total == Decimal("29.75")
    assert order.amount_paid == 0
    with inside(alpha):
        assert not order.payments.exists()
        assert GiftCard.objects.get(pk=card.pk).balance == Decimal("70.25")
    assert on_hand(alpha, shop.variants[0]) == (9, 0)
    confirmation = _html(client.get(response["Location"]))
    assert "Thank you for your order!" in confirmation
    assert re.search(r'data-total="gift-card">−€29.75<', confirmation)


def test_an_emptied_gift_card_is_a_problem_before_paying(alpha: StoreWorld):
    from apps.checkout.models import GiftCard

    shop = shop_make(alpha)
    with inside(alpha):
        card = gift_card_make(amount="20.00", code="GONE-CARD")
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    client.post(url(token, "codes"), {"code": "GONE-CARD"})
    with inside(alpha):
        GiftCard.objects.filter(pk=card.pk).update(balance=Decimal(0))

    html = _html(client.get(url(token, "payment")))

    assert "The gift card GONE-CARD has no balance left." in html
    assert re.search(r'<button type="submit" class="sf-btn sf-btn-primary checkout-place" disabled', html)
    # removing it clears the problem
    client.post(url(token, "codes/remove"), {"code": "GONE-CARD"})
    assert 'checkout-place" disabled' not in _html(client.get(url(token, "payment")))


def test_store_credit_is_offered_to_a_signed_in_shopper_with_a_balance(alpha: StoreWorld):
    from apps.checkout.services import store_credit_grant

    shop = shop_make(alpha)
    user = make_store_user(alpha, "credit@example.com")
    with inside(alpha):
        store_credit_grant(user=user, amount=Decimal("10.00"), reason="goodwill", actor=None)
    client = store_client(alpha)
    client.post("/accounts/login/", {"login": "credit@example.com", "password": PASSWORD})
    cart_client(alpha, [(shop.variants[0], 1)], client=client)
    token = start(client)
    client.post(url(token, "address"), ADDRESS)
    client.post(url(token, "shipping"), {"rate": shop.standard.pk})
    assert "You have €10.00 of store credit." in _html(client.get(url(token, "payment")))

    client.post(url(token, "store-credit"), {"use": "1"})
    html = _html(client.get(url(token, "payment")))
    assert re.search(r'data-total="store-credit">−€10.00<', html)
    assert re.search(r'data-total="amount-due">€19.75<', html)

    place(client, token)
    [order] = orders_of(alpha, token)
    assert order.store_credit_total == Decimal("10.00") and order.status == OrderStatus.PAID
    with inside(alpha):
        from apps.checkout.services import store_credit_balance

        assert store_credit_balance(user=User.objects.get(pk=user.pk)) == Decimal("0.00")


def test_a_guest_is_not_offered_store_credit(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    assert "store credit" not in _html(client.get(url(token, "payment"))).lower()
    client.post(url(token, "store-credit"), {"use": "1"})
    assert checkout_of(alpha, token).use_store_credit is False


# ------------------------------------------------------------------------------
# told before paying: sold out, changed price
# ------------------------------------------------------------------------------
def test_a_line_that_sold_out_is_shown_before_paying_and_placing_is_refused(alpha: StoreWorld):
    from apps.inventory.models import StockLevel

    shop = shop_make(alpha, products=2)
    client = cart_client(alpha, [(shop.variants[0], 1), (shop.variants[1], 1)])
    token = to_payment(client, rate=shop.standard)
    seen = expected(client, token)
    with inside(alpha):
        StockLevel.objects.filter(variant=shop.variants[1]).update(on_hand=0)

    html = _html(client.get(url(token, "payment")))
    assert "Linen shirt 1 is sold out. Remove it to continue." in html
    assert re.search(r'checkout-place" disabled aria-describedby="place-blocked"', html)
    assert 'href="/cart/">Edit your cart' in html

    # a forced POST is refused before any charge
    response = client.post(
        url(token, "place"), {"method": "dummy", "card_number": CARD_SUCCEEDS, **seen}, follow=True
    )
    assert orders_of(alpha, token) == []
    assert "sold out" in _html(response)
    assert on_hand(alpha, shop.variants[0]) == (10, 0)


def test_an_order_too_large_to_store_is_a_problem_before_paying_never_a_500(alpha: StoreWorld):
    # every price fits a money column (< 10^9), the total of two does not
    shop = shop_make(alpha, price="999999999.00")
    client = cart_client(alpha, [(shop.variants[0], 2)])
    token = to_payment(client, rate=shop.standard)

    html = _html(client.get(url(token, "payment")))
    assert "This order comes to more than one order can hold; lower a quantity to continue." in html
    response = client.post(url(token, "place"), {"method": "bank_transfer"}, follow=True)
    assert response.status_code == 200
    assert orders_of(alpha, token) == []
    assert on_hand(alpha, shop.variants[0]) == (10, 0)
    assert "more than one order can hold" in _html(response)


def test_a_changed_price_is_shown_before_paying_and_accepted_explicitly(alpha: StoreWorld):
    from apps.catalog.models import ProductVariant

    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    seen = expected(client, token)
    with inside(alpha):
        ProductVariant.objects.filter(pk=shop.variants[0].pk).update(price=Decimal("22.00"))

    html = _html(client.get(url(token, "payment")))
    assert "The price of Linen shirt 0 changed from €20.00 to €22.00." in html
    assert "Accept the new prices" in html and 'checkout-place" disabled' in html

    # placing with the total seen before is refused
    client.post(url(token, "place"), {"method": "dummy", "card_number": CARD_SUCCEEDS, **seen})
    assert orders_of(alpha, token) == []

    # once accepted, the new total (22 + 5) x 1.19 = 32.13 can be paid
    client.post(url(token, "prices"))
    assert expected(client, token)["expected_total"] == "32.13"
    place(client, token)
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PAID and order.total == Decimal("32.13")


def test_a_total_that_changed_since_review_is_refused(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    response = client.post(
        url(token, "place"),
        {
            "method": "dummy",
            "card_number": CARD_SUCCEEDS,
            "expected_total": "1.00",
            "expected_amount_due": "29.75",
        },
        follow=True,
    )

    assert orders_of(alpha, token) == []
    assert "The total changed to €29.75 since you reviewed your order." in _html(response)


def test_a_cart_emptied_in_another_tab_sends_the_shopper_back_to_the_cart(alpha: StoreWorld):
    from django_tenants.utils import schema_context

    from apps.checkout.models import CartLine

    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    with schema_context(alpha.tenant.schema_name):
        CartLine.objects.all().delete()  # what the cart page's "Remove" in another tab does

    response = client.post(
        url(token, "place"),
        {"method": "dummy", "card_number": CARD_SUCCEEDS, "expected_total": "29.75"},
        follow=True,
    )

    assert orders_of(alpha, token) == []
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Your cart is empty." in _html(response)


# ------------------------------------------------------------------------------
# headers, CSRF
# ------------------------------------------------------------------------------
def test_checkout_pages_are_private_uncached_and_allow_only_the_sites_scripts(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    for step in ("contact", "address", "shipping", "payment"):
        response = client.get(url(token, step))
        assert response.status_code == 200, step
        assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert '<meta name="robots" content="noindex, nofollow">' in _html(response)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert '<script src="http' not in _html(response)  # no script from elsewhere
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', _html(response), re.S)
        assert forms and all("csrfmiddlewaretoken" in body for body in forms), step


def test_posts_without_the_csrf_token_are_refused(alpha: StoreWorld):
    from django.test import Client

    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    strict = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    strict.cookies = client.cookies

    assert (
        strict.post(url(token, "place"), {"method": "dummy", "card_number": CARD_SUCCEEDS}).status_code == 403
    )
    assert strict.post(url(token, "contact"), {"email": "x@example.com"}).status_code == 403
    assert orders_of(alpha, token) == []
