"""After the checkout: who may see an order's confirmation, the signed order status page, the
payment link of a draft order; nothing of one session or store reachable from another; and the
checkout page's pinned query count, the same for 1 and 50 cart lines."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.orders.drafts import DraftLine, draft_order_create, order_payment_token
from apps.orders.enums import OrderStatus
from apps.orders.models import Order
from apps.storefront.tests.checkout_support import (
    CARD_DECLINED,
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
from apps.storefront.views.checkout import SESSION_CHECKOUTS, SESSION_ORDERS
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

# The payment step (lines, totals, codes, store credit, payment methods, the order so far) and
# the other steps: what the page does, whatever the number of lines. Measured: see the report.
PAYMENT_PAGE_QUERIES_MAX = 20


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _paid(world: StoreWorld, client: Client | None = None) -> tuple[Client, Order]:
    shop = shop_make(world)
    client = cart_client(world, [(shop.variants[0], 1)], client=client)
    token = to_payment(client, rate=shop.standard)
    place(client, token)
    [order] = orders_of(world, token)
    assert order.status == OrderStatus.PAID
    return client, order


# ------------------------------------------------------------------------------
# the confirmation and the status page
# ------------------------------------------------------------------------------
def test_another_session_cannot_see_the_confirmation_or_open_the_checkout(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    stranger = store_client(alpha)

    # the checkout's pages, while it is open
    for step in ("contact", "address", "shipping", "payment", "card", "return"):
        assert stranger.get(url(token, step)).status_code == 404, step
    for action in ("contact", "place", "codes", "codes/remove", "store-credit", "prices"):
        assert stranger.post(url(token, action), {"email": "x@example.com"}).status_code == 404, action
    seen = expected(client, token)
    assert (
        stranger.post(
            url(token, "place"), {"method": "dummy", "card_number": "4242424242424242", **seen}
        ).status_code
        == 404
    )
    assert orders_of(alpha, token) == []

    # the confirmation, once placed
    place(client, token)
    [order] = orders_of(alpha, token)
    assert client.get(f"/checkout/complete/{order.uuid}/").status_code == 200
    assert stranger.get(f"/checkout/complete/{order.uuid}/").status_code == 404
    signed_in = store_client(alpha)
    make_store_user(alpha, "someone@example.com")
    signed_in.post("/accounts/login/", {"login": "someone@example.com", "password": PASSWORD})
    assert signed_in.get(f"/checkout/complete/{order.uuid}/").status_code == 404


def test_the_signed_in_owner_sees_the_confirmation_from_another_device(alpha: StoreWorld):
    make_store_user(alpha, "owner@example.com")
    client = store_client(alpha)
    client.post("/accounts/login/", {"login": "owner@example.com", "password": PASSWORD})
    _client, order = _paid(alpha, client)
    other_device = store_client(alpha)
    other_device.post("/accounts/login/", {"login": "owner@example.com", "password": PASSWORD})

    assert other_device.get(f"/checkout/complete/{order.uuid}/").status_code == 200


def test_the_status_link_on_the_confirmation_shows_the_order_and_its_shopper_timeline(alpha: StoreWorld):
    client, order = _paid(alpha)
    html = _html(client.get(f"/checkout/complete/{order.uuid}/"))
    status_url = re.search(r'href="http://[^/]+(/orders/status/[^"]+/)" id="order-status-link"', html)
    assert status_url, html[html.find("Follow your order") :][:600]

    page = store_client(alpha).get(status_url.group(1))  # anyone holding the link

    assert page.status_code == 200
    body = _html(page)
    assert f"Order #{order.number}" in body and "Paid" in body and "Linen shirt 0" in body
    assert "Order placed by erika@example.com." in body and "received via Test payments" in body
    assert "units reserved" not in body and "units left stock" not in body  # stock moves are staff's
    assert page["Referrer-Policy"] == "same-origin" and page["X-Robots-Tag"] == "noindex, nofollow"


def test_a_forged_or_altered_status_link_is_a_404(alpha: StoreWorld):
    _client, order = _paid(alpha)
    from django.core import signing
    from django_tenants.utils import schema_context

    from apps.orders.links import order_status_token

    with schema_context(alpha.tenant.schema_name):
        token = order_status_token(order=order)
    forged = signing.dumps({"o": str(order.uuid), "s": alpha.tenant.schema_name}, salt="another-salt")
    client = store_client(alpha)

    assert client.get(f"/orders/status/{token}/").status_code == 200
    assert client.get(f"/orders/status/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/orders/status/{forged}/").status_code == 404
    assert client.get("/orders/status/nonsense/").status_code == 404


def test_a_manual_payment_order_shows_how_to_pay_on_its_status_page(alpha: StoreWorld):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    place(client, token, method="bank_transfer")
    [order] = orders_of(alpha, token)
    html = _html(client.get(f"/checkout/complete/{order.uuid}/"))
    status_path = re.search(r'href="http://[^/]+(/orders/status/[^"]+/)"', html)
    assert status_path

    body = _html(store_client(alpha).get(status_path.group(1)))

    assert "Pending payment" in body and "IBAN DE00 1234" in body and "€29.75" in body


# ------------------------------------------------------------------------------
# the payment link of a draft order
# ------------------------------------------------------------------------------
def _draft(world: StoreWorld, shop) -> tuple[Order, str]:  # type: ignore[no-untyped-def]
    with inside(world):
        order = draft_order_create(
            email="draft@example.com",
            lines=[DraftLine(variant_id=shop.variants[0].pk, quantity=2)],
            actor=None,
            shipping_address={
                "name": "Max Muster",
                "line1": "Hauptstr. 1",
                "city": "Berlin",
                "postal_code": "10115",
                "country": "DE",
            },
            shipping_amount=Decimal("5.00"),
        )
        return order, order_payment_token(order=order)


def test_a_draft_order_is_paid_through_its_payment_link_after_a_decline(alpha: StoreWorld):
    shop = shop_make(alpha)
    order, token = _draft(alpha, shop)
    client = store_client(alpha)

    page = client.get(f"/pay/{token}/")
    html = _html(page)
    assert (
        page.status_code == 200 and f"Order #{order.number}" in html and "Test card (no real payment)" in html
    )
    assert page["Content-Security-Policy"].startswith("default-src 'self'")

    declined = client.post(f"/pay/{token}/", {"method": "dummy", "card_number": CARD_DECLINED})
    assert declined["Location"] == f"/pay/{token}/?method=dummy"
    assert "Your card was declined." in _html(client.get(declined["Location"]))
    assert on_hand(alpha, shop.variants[0]) == (10, 0)

    paid = client.post(f"/pay/{token}/", {"method": "dummy", "card_number": "4242424242424242"})
    assert paid["Location"] == f"/checkout/complete/{order.uuid}/"
    with inside(alpha):
        order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert on_hand(alpha, shop.variants[0]) == (8, 0)
    assert client.get(paid["Location"]).status_code == 200
    assert "This order is paid." in _html(client.get(f"/pay/{token}/"))
    # paying again is refused: nothing is left to pay
    again = client.post(f"/pay/{token}/", {"method": "dummy", "card_number": "4242424242424242"}, follow=True)
    assert "Nothing is left to pay" in _html(again)


def test_a_bad_payment_link_is_a_404(alpha: StoreWorld):
    shop = shop_make(alpha)
    _order, token = _draft(alpha, shop)
    client = store_client(alpha)

    assert client.get(f"/pay/{token[:-3]}abc/").status_code == 404
    assert client.post("/pay/nonsense/", {"method": "dummy"}).status_code == 404


# ------------------------------------------------------------------------------
# store B reaches nothing of store A
# ------------------------------------------------------------------------------
def test_store_b_cannot_reach_store_as_checkout_or_order_by_token_uuid_or_link(
    alpha: StoreWorld, beta: StoreWorld
):
    shop = shop_make(alpha)
    client = cart_client(alpha, [(shop.variants[0], 1)])
    token = to_payment(client, rate=shop.standard)
    place(client, token)
    [order] = orders_of(alpha, token)
    draft, pay_token = _draft(alpha, shop)
    html = _html(client.get(f"/checkout/complete/{order.uuid}/"))
    status_path = re.search(r'href="http://[^/]+(/orders/status/[^"]+/)"', html)
    assert status_path

    # a beta session that even claims alpha's checkout and order as its own
    other = store_client(beta)
    other.get("/")
    session = other.session
    session[SESSION_CHECKOUTS] = [token]
    session[SESSION_ORDERS] = [str(order.uuid), str(draft.uuid)]
    session.save()

    assert other.get(url(token, "payment")).status_code == 404
    assert other.post(url(token, "place"), {"method": "dummy"}).status_code == 404
    assert other.get(url(token, "return")).status_code == 404
    assert other.get(f"/checkout/complete/{order.uuid}/").status_code == 404
    assert other.get(status_path.group(1)).status_code == 404
    assert other.get(f"/pay/{pay_token}/").status_code == 404
    assert (
        other.post(f"/pay/{pay_token}/", {"method": "dummy", "card_number": "4242424242424242"}).status_code
        == 404
    )
    assert other.get("/account/orders/").status_code == 302  # sign-in first; nothing of alpha either way
    with inside(alpha):
        draft.refresh_from_db()
    assert draft.status == OrderStatus.PENDING


# ------------------------------------------------------------------------------
# pinned query counts
# ------------------------------------------------------------------------------
def _count(client: Client, path: str) -> tuple[int, str]:
    assert client.get(path).status_code == 200  # warm the per-store caches (settings, theme)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries), _html(response)


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "signed-in"])
def test_the_checkout_pages_run_the_same_queries_for_1_and_50_lines(alpha: StoreWorld, signed_in: bool):
    from apps.checkout.tests.factories import discount_make, gift_card_make

    counts: dict[int, dict[str, int]] = {}
    shop = shop_make(alpha, products=50)
    with inside(alpha):
        discount_make(code="TENOFF", value="10")
        gift_card_make(amount="5.00", code="QUERY-CARD")
    for lines in (1, 50):
        client = store_client(alpha)
        if signed_in:
            email = f"queries-{lines}@example.com"
            make_store_user(alpha, email)
            client.post("/accounts/login/", {"login": email, "password": PASSWORD})
        cart_client(alpha, [(variant, 1) for variant in shop.variants[:lines]], client=client)
        token = to_payment(client, rate=shop.standard) if not signed_in else start(client)
        if signed_in:
            from apps.storefront.tests.checkout_support import ADDRESS

            client.post(url(token, "address"), ADDRESS)
            client.post(url(token, "shipping"), {"rate": shop.standard.pk})
        client.post(url(token, "codes"), {"code": "TENOFF"})
        client.post(url(token, "codes"), {"code": "QUERY-CARD"})
        counts[lines] = {}
        for step in ("contact", "address", "shipping", "payment"):
            count, html = _count(client, url(token, step))
            counts[lines][step] = count
        assert html.count('class="checkout-line"') == lines
        assert "Discount TENOFF" in html and "Gift card QUERY-CARD" in html
        assert checkout_of(alpha, token).discount_codes == ["TENOFF"]

    assert counts[1] == counts[50], counts
    assert counts[1]["payment"] <= PAYMENT_PAGE_QUERIES_MAX, counts
    print(f"checkout page queries ({'signed in' if signed_in else 'guest'}): {counts}")
