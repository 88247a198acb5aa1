"""Who may do what on the orders pages (per role, as apps/core/permissions.py maps them), that
store B's staff reach none of store A's orders by number, uuid or search, and the orders
section of a customer's page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.models import Customer
from apps.orders.enums import OrderStatus
from apps.orders.models import Order
from apps.orders.tests.dashboard_support import BASE, ROLES, in_store, role_client, url
from apps.orders.tests.factories import (
    CARD_REQUIRES_AUTHENTICATION,
    checkout_ready,
    draft_make,
    order_placed,
    order_row,
    place,
    variant_make,
)

pytestmark = pytest.mark.django_db


def _status(world, order) -> str:  # type: ignore[no-untyped-def]
    with in_store(world):
        return Order.objects.get(pk=order.pk).status


# ------------------------------------------------------------------------------
# roles
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [*ROLES, ""])
def test_every_team_role_reads_orders_and_shoppers_do_not(alpha, role):
    client = role_client(alpha, role)
    with in_store(alpha):
        order = order_placed()
        draft = draft_make()
    expected = 200 if role else 403
    for page in (BASE, f"{BASE}drafts/", url(order), url(draft)):
        assert client.get(page).status_code == expected, page
    menu = client.get("/dashboard/").text
    assert (f'href="{BASE}"' in menu) is bool(role)


def test_every_change_needs_the_csrf_token(alpha):
    from django.test import Client
    from django_tenants.utils import schema_context

    from tests.fixtures import make_store_user

    user = make_store_user(alpha, "csrf-owner@example.com", role="owner")
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(user)
    with in_store(alpha):
        order = place(checkout_ready(items=[(variant_make(), 1)]), card=CARD_REQUIRES_AUTHENTICATION).order
    page = client.get(url(order, "cancel"))
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert client.post(url(order, "cancel"), {"reason": "No token"}).status_code == 403
    assert client.post(url(order, "notes"), {"body": "No token"}).status_code == 403
    assert _status(alpha, order) == OrderStatus.PENDING


def test_anonymous_visitors_are_sent_to_sign_in(alpha):
    from tests.fixtures import store_client

    response = store_client(alpha).get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("staff", True), ("finance", False)]
)
def test_changing_an_order_needs_orders_manage(alpha, role, allowed):
    client = role_client(alpha, role)
    with in_store(alpha):
        order = place(checkout_ready(items=[(variant_make(), 1)]), card=CARD_REQUIRES_AUTHENTICATION).order
    for page in ("cancel", "mark-paid", "payment-link", "edit", "delete"):
        assert (client.get(url(order, page)).status_code != 403) is allowed, page
    assert (f'href="{url(order, "cancel")}"' in client.get(url(order)).text) is allowed
    cancelled = client.post(url(order, "cancel"), {"reason": "Asked"})
    assert cancelled.status_code == (302 if allowed else 403)
    assert _status(alpha, order) == (OrderStatus.CANCELLED if allowed else OrderStatus.PENDING)


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("staff", False), ("finance", False)]
)
def test_cancelling_a_paid_order_needs_both_orders_manage_and_refunds_create(alpha, role, allowed):
    # finance may refund but not manage orders; staff manage orders but may not refund
    client = role_client(alpha, role)
    with in_store(alpha):
        order = order_placed()
    response = client.post(url(order, "cancel"), {"reason": "Asked"})
    assert response.status_code == (302 if allowed else 403)
    assert _status(alpha, order) == (OrderStatus.CANCELLED if allowed else OrderStatus.PAID)


# ------------------------------------------------------------------------------
# tenant isolation
# ------------------------------------------------------------------------------
def test_store_b_staff_reach_no_order_of_store_a(alpha, beta):
    with in_store(alpha):
        for _ in range(3):
            theirs = order_row(status="paid", email="alpha-secret@example.com")
        placed = order_placed(email="alpha-placed@example.com")
    assert placed.number == 1004
    with in_store(beta):
        ours = order_row(status="paid", email="beta-own@example.com", total=Decimal("7.00"))
    assert ours.number == 1001  # numbers are per store: 1001 exists in both
    beta_owner = role_client(beta, "owner")
    # by number: their #1004 does not exist here; #1001 is store B's own order
    assert beta_owner.get(url(placed)).status_code == 404
    own = beta_owner.get(f"{BASE}1001/")
    assert own.status_code == 200 and "beta-own@example.com" in own.text
    assert "alpha-secret@example.com" not in own.text
    # by uuid
    assert beta_owner.get(f"{BASE}by-uuid/{placed.uuid}/").status_code == 404
    assert beta_owner.get(f"{BASE}by-uuid/{theirs.uuid}/").status_code == 404
    # by search and in the list
    for query in ("alpha-placed@example.com", "#1004", str(placed.uuid)):
        assert beta_owner.get(BASE, {"q": query}).context["rows"] == []
    listing = beta_owner.get(BASE).text
    assert "alpha-" not in listing and "beta-own@example.com" in listing
    # no action reaches their order
    for page in ("cancel", "mark-paid", "payment-link", "edit", "delete", "notes"):
        assert beta_owner.post(url(placed, page), {"reason": "x", "body": "x"}).status_code in (404, 405), (
            page
        )
    assert _status(alpha, placed) == OrderStatus.PAID


def test_store_a_staff_sign_in_does_not_open_store_b(alpha, beta):
    with in_store(beta):
        order_row(status="paid", email="beta-only@example.com")
    alpha_owner = role_client(alpha, "owner")
    response = alpha_owner.get(f"http://{beta.host}{BASE}", HTTP_HOST=beta.host)
    assert response.status_code in (302, 403)
    assert "beta-only@example.com" not in response.content.decode()


# ------------------------------------------------------------------------------
# a customer's page
# ------------------------------------------------------------------------------
def test_a_customer_page_lists_their_orders(alpha, django_assert_max_num_queries):
    client = role_client(alpha, "staff")
    with in_store(alpha):
        mine = order_placed(email="regular@example.com")
        order_placed(email="someone-else@example.com")
        customer = Customer.objects.get(email="regular@example.com")
        draft_make(email="regular@example.com")  # not paid: not an order of theirs yet
    page = client.get(f"/dashboard/customers/{customer.uuid}/")
    assert page.status_code == 200
    section = page.text.split('id="customer-orders"')[1]
    assert f'href="{url(mine)}"' in section and section.count("/dashboard/orders/10") == 1
    assert "?q=regular%40example.com" in section
    with in_store(alpha):
        empty = Customer.objects.create(email="nobody@example.com")
    assert "No orders yet." in client.get(f"/dashboard/customers/{empty.uuid}/").text
