"""The order history in a shopper's account: their own orders and the guest orders of their
verified email, one order's page, nothing of anyone else's, and a list whose queries do not grow
with the orders."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.customers.services import customer_for_order
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order, OrderLine
from apps.orders.numbering import order_number_next
from apps.orders.timeline import order_event_add
from apps.storefront.tests.checkout_support import cart_client, orders_of, place, shop_make, to_payment
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _order(world: StoreWorld, *, email: str = EMAIL, user: User | None = None, lines: int = 1) -> Order:
    """A paid order of `email` (as a guest unless `user`), attached to its customer record."""
    with _in(world), transaction.atomic():
        customer = customer_for_order(email=email, user=user, name="Ada Lovelace")
        order = Order.objects.create(
            number=order_number_next(),
            status="paid",
            origin="checkout",
            checkout_token=uuid.uuid4(),
            email=email,
            user=user,
            customer=customer,
            currency="EUR",
            subtotal=Decimal("20.00") * lines,
            total=Decimal("24.90") * lines,
            amount_paid=Decimal("24.90") * lines,
            placed_at=timezone.now(),
            paid_at=timezone.now(),
            shipping_address={
                "name": "Ada Lovelace",
                "line1": "12 St James's Square",
                "city": "London",
                "postal_code": "SW1Y 4LB",
                "country": "GB",
            },
        )
        for n in range(lines):
            OrderLine.objects.create(
                order=order,
                product_title=f"Analytical Engine {n}",
                quantity=2,
                unit_price=Decimal("10.00"),
                subtotal=Decimal("20.00"),
                total=Decimal("20.00"),
                position=n,
            )
        return order


def _signed_in(world: StoreWorld, email: str = EMAIL, *, verified: bool = True) -> Client:
    make_store_user(world, email, verified=verified)
    client = store_client(world)
    assert client.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return client


def test_a_guests_orders_show_in_the_account_they_open_later_with_that_email(alpha):
    # given two orders placed as a guest
    first, second = _order(alpha), _order(alpha, lines=2)
    # when the shopper later signs in to a verified account with that email
    client = _signed_in(alpha)
    # then both are in their order history, newest first
    page = client.get("/account/orders/")
    assert page.status_code == 200
    html = page.text
    assert f"Order #{second.number}" in html and f"Order #{first.number}" in html
    assert html.index(f"Order #{second.number}") < html.index(f"Order #{first.number}")
    # counting items, not lines: 2 lines of 2 units each are 4 items
    row = html.split(f'id="order-{second.number}"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["4"]
    # and on the overview
    assert f"Order #{second.number}" in client.get("/account/").text
    # and each order's page shows its lines, totals and address
    detail = client.get(f"/account/orders/{second.uuid}/").text
    assert "Analytical Engine 1" in detail and "London" in detail and "United Kingdom" in detail
    assert "€49.80" in detail


def test_orders_placed_from_the_account_are_listed(alpha):
    client = _signed_in(alpha)
    with _in(alpha):
        account = User.objects.get(email=EMAIL)
    order = _order(alpha, user=account)
    assert f"Order #{order.number}" in client.get("/account/orders/").text


def test_an_unverified_account_sees_no_guest_orders_of_its_email(alpha):
    order = _order(alpha)
    client = store_client(alpha)
    make_store_user(alpha, EMAIL, verified=False)
    with _in(alpha):
        client.force_login(User.objects.get(email=EMAIL), backend="django.contrib.auth.backends.ModelBackend")
    assert f"Order #{order.number}" not in client.get("/account/orders/").text
    assert client.get(f"/account/orders/{order.uuid}/").status_code == 404


def test_another_shoppers_order_is_not_found(alpha):
    theirs = _order(alpha, email="someone.else@example.com")
    client = _signed_in(alpha)
    assert "You have not placed any orders yet." in client.get("/account/orders/").text
    assert client.get(f"/account/orders/{theirs.uuid}/").status_code == 404
    assert client.get(f"/account/orders/{uuid.uuid4()}/").status_code == 404


def test_store_b_shows_nothing_of_store_as_orders(alpha, beta):
    order = _order(alpha)
    # the same person with a verified account of the same email in store B
    client = _signed_in(beta)
    assert f"Order #{order.number}" not in client.get("/account/orders/").text
    assert client.get(f"/account/orders/{order.uuid}/").status_code == 404


def test_visitors_are_sent_to_sign_in(alpha):
    order = _order(alpha)
    for url in ("/account/orders/", f"/account/orders/{order.uuid}/"):
        response = store_client(alpha).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_order_history_takes_the_same_queries_for_2_and_12_orders(alpha, django_assert_max_num_queries):
    for _n in range(2):
        _order(alpha, lines=3)
    client = _signed_in(alpha)
    client.get("/account/orders/")
    with django_assert_max_num_queries(12) as few:
        client.get("/account/orders/")
    for _n in range(10):
        _order(alpha, lines=3)
    with django_assert_max_num_queries(12) as many:
        assert "Order #" in client.get("/account/orders/").text
    assert len(many.captured_queries) == len(few.captured_queries)


def _totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-total="([a-z-]+)">([^<]*)<', html))


def test_an_orders_page_shows_its_timeline_and_totals_that_add_up_as_at_checkout(alpha):
    # given an order placed at checkout with prices excluding 19 % VAT, which shipping bears too:
    # 40.00 + 5.00 shipping + 8.55 tax = 53.55
    shop = shop_make(alpha)
    guest = cart_client(alpha, [(shop.variants[0], 2)])
    token = to_payment(guest, email=EMAIL, rate=shop.standard)
    place(guest, token)
    [order] = orders_of(alpha, token)
    # when its shopper opens it in their account
    client = _signed_in(alpha)
    html = client.get(f"/account/orders/{order.uuid}/").text
    # then the rows add up: shipping without its tax, which the tax row holds
    rows = _totals(html)
    assert (rows["subtotal"], rows["shipping"], rows["tax"], rows["total"]) == (
        "€40.00",
        "€5.00",
        "€8.55",
        "€53.55",
    )
    assert rows["paid"] == "€53.55" and "amount-due" not in rows
    # the same rows as the order's confirmation page
    confirmation = guest.get(f"/checkout/complete/{order.uuid}/").text
    assert _totals(confirmation) == rows
    # and the shopper's timeline: placed and paid; nothing meant for staff only
    assert "What happened so far" in html
    events = re.findall(r'data-event="([a-z_]+)"', html)
    assert events[0] == OrderEventKind.PLACED and OrderEventKind.PAYMENT_SUCCEEDED in events
    assert OrderEventKind.STOCK_RESERVED not in events and OrderEventKind.PAYMENT_STARTED not in events


def test_an_orders_page_takes_the_same_queries_for_1_line_and_12_lines(alpha, django_assert_max_num_queries):
    small, large = _order(alpha, lines=1), _order(alpha, lines=12)
    with _in(alpha):
        for n in range(10):
            order_event_add(order=large, kind=OrderEventKind.NOTE_ADDED, params={"note": n})
            order_event_add(
                order=large, kind=OrderEventKind.STATUS_CHANGED, params={"from": "paid", "to": "paid"}
            )
    client = _signed_in(alpha)
    client.get(f"/account/orders/{small.uuid}/")
    # the schema, the session, the user, the cart's badge, the order and its lines, discounts,
    # payments and timeline: 9; the sections of other apps with nothing to show yet (shipments,
    # return requests and the return policy, invoices): 4 (+1 to spare); with everything showing
    # see tests/test_order_page_queries.py
    with django_assert_max_num_queries(14) as one:
        assert "Analytical Engine 0" in client.get(f"/account/orders/{small.uuid}/").text
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(f"/account/orders/{large.uuid}/").text
    assert "Analytical Engine 11" in page and page.count('data-event="status_changed"') == 10
