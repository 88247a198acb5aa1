"""Paying at the checkout: a double click or a reload makes one order and one charge, a decline
comes back to the payment step with the gateway's message and the stock released, 3-D Secure
through the dummy authentication page, Stripe's Payment Element against the local fake Stripe,
and the return page that may be reloaded or polled while a webhook arrives before or after."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from apps.orders.enums import OrderStatus
from apps.orders.models import Payment
from apps.payments.gateways import PaymentStatus, PaymentUpdate
from apps.payments.models import DummyPayment
from apps.payments.testing.fake_stripe import FakeStripe
from apps.payments.testing.fixtures import fake_stripe  # noqa: F401 (a fixture)
from apps.payments.tests.factories import stripe_connected
from apps.payments.updates import payment_update_dispatch
from apps.storefront.tests.checkout_support import (
    CARD_AUTHENTICATION,
    CARD_DECLINED,
    cart_client,
    checkout_of,
    expected,
    inside,
    on_hand,
    orders_of,
    place,
    shop_make,
    to_payment,
    url,
)
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _payments(world: StoreWorld, token: str) -> list[Payment]:
    [order] = orders_of(world, token)
    with inside(world):
        return list(order.payments.order_by("attempt"))


# ------------------------------------------------------------------------------
# once only
# ------------------------------------------------------------------------------
def test_a_double_click_and_a_reload_of_the_place_request_make_one_order_and_one_charge(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    data = {"method": "dummy", "card_number": "4242424242424242", **expected(client, token)}

    first = client.post(url(token, "place"), data)
    second = client.post(url(token, "place"), data)  # the second click, or the browser's resend
    third = client.post(url(token, "place"), {**data, "method": "bank_transfer"})

    [order] = orders_of(alpha, token)
    assert first["Location"] == second["Location"] == third["Location"] == f"/checkout/complete/{order.uuid}/"
    assert order.status == OrderStatus.PAID
    assert len(_payments(alpha, token)) == 1
    with inside(alpha):
        assert DummyPayment.objects.filter(reference=str(order.uuid)).count() == 1
    assert on_hand(alpha, shop.variants[0]) == (9, 0)
    # the steps of a completed checkout lead to its confirmation
    assert client.get(url(token, "payment"))["Location"] == f"/checkout/complete/{order.uuid}/"


def test_the_place_button_is_sent_once_by_the_page(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    html = _html(client.get(url(token, "payment")))

    assert re.search(r'<form method="post" action="/checkout/[^"]+/place/"[^>]*data-submit-once', html)
    assert '<script src="/static/js/storefront-checkout.js" defer></script>' in html


# ------------------------------------------------------------------------------
# declined, then paid
# ------------------------------------------------------------------------------
def test_a_declined_card_comes_back_with_the_message_the_stock_released_and_a_retry_pays(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 2)])
    token = to_payment(client, rate=shop.standard)

    # when the card is declined
    response = place(client, token, card=CARD_DECLINED)

    # then the shopper is back on the payment step with the gateway's words, nothing is held
    assert response["Location"] == url(token, "payment") + "?method=dummy"
    page = client.get(response["Location"])
    html = _html(page)
    assert "Your card was declined. Try another card or another payment method." in html
    assert 'value="dummy" checked' in html
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PENDING
    assert on_hand(alpha, shop.variants[0]) == (10, 0)
    assert checkout_of(alpha, token).status == "open"

    # when the shopper tries again with a good card, the same order is paid
    response = place(client, token)
    [paid] = orders_of(alpha, token)
    assert paid.pk == order.pk and paid.status == OrderStatus.PAID
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    assert [p.status for p in _payments(alpha, token)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    assert on_hand(alpha, shop.variants[0]) == (8, 0)


def test_a_card_the_test_gateway_does_not_know_is_explained(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    response = client.get(place(client, token, card="1234")["Location"])

    assert "This is a test store: use the test card 4242 4242 4242 4242" in _html(response)


def test_a_method_the_store_switched_off_is_refused_before_anything_is_written(alpha: StoreWorld):
    from apps.storefront.tests.checkout_support import payments_set

    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    seen = expected(client, token)
    with inside(alpha):
        payments_set(dummy_enabled=False)

    response = client.post(
        url(token, "place"), {"method": "dummy", "card_number": "4242424242424242", **seen}, follow=True
    )

    assert orders_of(alpha, token) == []
    assert "This payment method is not available in this store." in _html(response)
    assert "Test card (no real payment)" not in _html(response)


# ------------------------------------------------------------------------------
# 3-D Secure through the dummy authentication page
# ------------------------------------------------------------------------------
def _authenticate(client, response, decision: str):  # type: ignore[no-untyped-def]
    action = urlsplit(response["Location"])
    assert action.path.startswith("/payments/dummy/authenticate/"), response["Location"]
    page = client.get(action.path)
    assert page.status_code == 200
    back = client.post(action.path, {"decision": decision})
    assert back.status_code == 302
    return back


def test_a_card_that_needs_authentication_is_paid_after_the_shopper_approves(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    response = place(client, token, card=CARD_AUTHENTICATION)
    [order] = orders_of(alpha, token)
    assert order.status == OrderStatus.PENDING
    assert on_hand(alpha, shop.variants[0]) == (10, 1)  # held while the shopper authenticates

    back = _authenticate(client, response, "approve")
    assert urlsplit(back["Location"]).path == url(token, "return")
    done = client.get(back["Location"])

    assert done["Location"] == f"/checkout/complete/{order.uuid}/"
    assert orders_of(alpha, token)[0].status == OrderStatus.PAID
    assert on_hand(alpha, shop.variants[0]) == (9, 0)
    # the return page may be reloaded: still one payment, still paid
    assert client.get(back["Location"])["Location"] == done["Location"]
    assert len(_payments(alpha, token)) == 1


def test_a_failed_authentication_comes_back_to_the_payment_step(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    back = _authenticate(client, place(client, token, card=CARD_AUTHENTICATION), "fail")
    # the failure came with its reason, which the order keeps with the payment
    [payment] = _payments(alpha, token)
    assert (payment.status, payment.error_code) == ("failed", "authentication_failed")
    assert payment.error_message.startswith("The card could not be authenticated.")
    response = client.get(back["Location"], follow=True)

    assert response.redirect_chain[-1][0] == url(token, "payment")
    assert "The card could not be authenticated." in _html(response)
    assert orders_of(alpha, token)[0].status == OrderStatus.PENDING
    assert on_hand(alpha, shop.variants[0]) == (10, 0)


def test_coming_back_without_authenticating_offers_to_continue_or_choose_another_method(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    response = place(client, token, card=CARD_AUTHENTICATION)

    waiting = client.get(url(token, "return"))

    assert waiting.status_code == 200
    html = _html(waiting)
    assert "waits for you to confirm the payment" in html
    assert urlsplit(response["Location"]).path in html
    assert 'http-equiv="refresh"' not in html
    # the payment step offers to finish it too
    payment_step = _html(client.get(url(token, "payment")))
    assert 'id="payment-waiting"' in payment_step and urlsplit(response["Location"]).path in payment_step


# ------------------------------------------------------------------------------
# Stripe's Payment Element, against the fake Stripe
# ------------------------------------------------------------------------------
@pytest.fixture
def stripe_shop(alpha: StoreWorld, fake_stripe: FakeStripe):  # noqa: F811
    shop = shop_make(alpha)
    with inside(alpha):
        stripe_connected(fake_stripe)
    return shop


def _to_card_page(alpha: StoreWorld, stripe_shop) -> tuple:  # type: ignore[no-untyped-def]
    client = cart_client(alpha, [(stripe_shop.variants[0], 1)])
    token = to_payment(client, rate=stripe_shop.standard)
    assert "Card" in _html(client.get(url(token, "payment")))
    response = place(client, token, method="stripe", card="")
    assert response["Location"] == url(token, "card")
    [payment] = _payments(alpha, token)
    return client, token, payment


def test_the_stripe_card_page_mounts_the_payment_element_for_the_intent(
    alpha: StoreWorld,
    stripe_shop,
    fake_stripe: FakeStripe,  # noqa: F811
):
    client, token, payment = _to_card_page(alpha, stripe_shop)

    page = client.get(url(token, "card"))

    html = _html(page)
    assert payment.external_id.startswith("pi_") and payment.client_secret
    assert f'data-client-secret="{payment.client_secret}"' in html
    assert f'<script src="{fake_stripe.js_url}"></script>' in html
    assert f'data-return-url="http://{alpha.host}/checkout/{token}/return/"' in html
    assert 'data-stripe-key="pk_test_' in html and 'data-stripe-account="acct_' in html
    policy = page["Content-Security-Policy"]
    assert f"script-src 'self' {fake_stripe.base_url};" in policy
    assert f"frame-src {fake_stripe.base_url};" in policy
    # the intent is on the store's connected account, for the amount due
    assert fake_stripe.payment_intents[payment.external_id]["amount"] == 2975


def test_a_stripe_payment_confirmed_in_the_browser_is_finished_by_the_return_page(
    alpha: StoreWorld,
    stripe_shop,
    fake_stripe: FakeStripe,  # noqa: F811
):
    client, token, payment = _to_card_page(alpha, stripe_shop)

    # the browser confirmed with a good card; Stripe.js sends the shopper back
    fake_stripe.payment_intent_confirm(payment.external_id, payment_method="pm_card_visa")
    response = client.get(
        url(token, "return"), {"payment_intent": payment.external_id, "redirect_status": "succeeded"}
    )

    [order] = orders_of(alpha, token)
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("29.75")
    assert on_hand(alpha, stripe_shop.variants[0]) == (9, 0)
    # the webhook arriving afterwards changes nothing
    with inside(alpha):
        payment_update_dispatch(
            PaymentUpdate(
                gateway="stripe",
                external_id=payment.external_id,
                status=PaymentStatus.SUCCEEDED,
                amount=Decimal("29.75"),
                amount_refunded=Decimal(0),
                currency="EUR",
                occurred_at=timezone.now(),
                event_id="evt_after_return",
            )
        )
    [again] = orders_of(alpha, token)
    assert again.amount_paid == Decimal("29.75") and again.status == OrderStatus.PAID


def test_a_stripe_webhook_before_the_return_leaves_the_return_page_to_confirm(
    alpha: StoreWorld,
    stripe_shop,
    fake_stripe: FakeStripe,  # noqa: F811
):
    client, token, payment = _to_card_page(alpha, stripe_shop)
    fake_stripe.payment_intent_confirm(payment.external_id, payment_method="pm_card_visa")
    with inside(alpha):
        payment_update_dispatch(
            PaymentUpdate(
                gateway="stripe",
                external_id=payment.external_id,
                status=PaymentStatus.SUCCEEDED,
                amount=Decimal("29.75"),
                amount_refunded=Decimal(0),
                currency="EUR",
                occurred_at=timezone.now(),
                event_id="evt_before_return",
            )
        )
    calls = len(fake_stripe.requests)

    response = client.get(
        url(token, "return"), {"payment_intent": payment.external_id, "redirect_status": "succeeded"}
    )

    [order] = orders_of(alpha, token)
    assert response["Location"] == f"/checkout/complete/{order.uuid}/"
    assert order.amount_paid == Decimal("29.75")
    assert len(fake_stripe.requests) == calls  # paid already: nothing asked of Stripe


def test_a_declined_stripe_card_comes_back_to_the_payment_step_and_a_new_attempt_pays(
    alpha: StoreWorld,
    stripe_shop,
    fake_stripe: FakeStripe,  # noqa: F811
):
    client, token, payment = _to_card_page(alpha, stripe_shop)
    fake_stripe.payment_intent_confirm(payment.external_id, payment_method="pm_card_chargeDeclined")

    response = client.get(
        url(token, "return"),
        {"payment_intent": payment.external_id, "redirect_status": "failed"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url(token, "payment")
    assert "Your card was declined." in _html(response)
    assert on_hand(alpha, stripe_shop.variants[0]) == (10, 0)

    # a second attempt is a new PaymentIntent, paid this time
    assert place(client, token, method="stripe", card="")["Location"] == url(token, "card")
    second = _payments(alpha, token)[-1]
    assert second.external_id != payment.external_id
    fake_stripe.payment_intent_confirm(second.external_id, payment_method="pm_card_visa")
    done = client.get(
        url(token, "return"), {"payment_intent": second.external_id, "redirect_status": "succeeded"}
    )
    [order] = orders_of(alpha, token)
    assert done["Location"] == f"/checkout/complete/{order.uuid}/" and order.status == OrderStatus.PAID


def test_a_stripe_payment_still_processing_is_polled_by_the_return_page(
    alpha: StoreWorld,
    stripe_shop,
    fake_stripe: FakeStripe,  # noqa: F811
):
    client, token, payment = _to_card_page(alpha, stripe_shop)
    with fake_stripe.lock:
        fake_stripe.payment_intents[payment.external_id]["status"] = "processing"

    page = client.get(
        url(token, "return"), {"payment_intent": payment.external_id, "redirect_status": "pending"}
    )

    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in _html(page)
    assert orders_of(alpha, token)[0].status == OrderStatus.PENDING


def test_the_card_page_of_a_checkout_not_paying_by_stripe_goes_to_the_return_page(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)

    assert client.get(url(token, "card"))["Location"] == url(token, "return")
    assert client.get(url(token, "return"))["Location"] == url(token, "payment")
