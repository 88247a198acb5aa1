"""The dashboard's customer pages: the list (search, pages, a fixed number of queries), a
customer's page, staff edits, who may do what, and nothing of another store."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.customers.models import Customer
from apps.customers.services import address_create
from apps.customers.tests.factories import address_input, make_customer
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/customers/"


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _client(world: StoreWorld, *, role: str = "", shopper: bool = False) -> Client:
    user = make_store_user(world, f"{role or 'shopper'}-{uuid.uuid4().hex[:6]}@example.com", role=role)
    client = store_client(world)
    with _in(world):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _customers(world: StoreWorld, count: int, *, prefix: str = "buyer") -> list[Customer]:
    with _in(world):
        return [
            make_customer(
                f"{prefix}-{n}@example.com",
                full_name=f"{prefix.title()} {n}",
                orders_count=n,
                total_spent=Decimal("12.500") * n,
                last_order_at=timezone.now(),
            )
            for n in range(count)
        ]


# ------------------------------------------------------------------------------
# List
# ------------------------------------------------------------------------------
def test_the_list_shows_customers_with_their_orders_and_spend(alpha):
    _customers(alpha, 3)
    with _in(alpha):
        make_customer("guest@example.com")
    page = _client(alpha, role="staff").get(BASE)
    assert page.status_code == 200
    html = page.text
    assert "Buyer 2" in html and "buyer-2@example.com" in html and "guest@example.com" in html
    assert "25.00" in html  # 2 orders x 12.50, in the store's currency
    assert "Guest" in html


def test_the_list_has_an_empty_state_and_says_when_a_search_finds_nothing(alpha):
    client = _client(alpha, role="staff")
    assert "No customers yet" in client.get(BASE).text
    _customers(alpha, 1)
    assert "No customer matches “zebra”" in client.get(BASE, {"q": "zebra"}).text


def test_search_matches_part_of_the_name_or_the_email_in_any_case(alpha):
    with _in(alpha):
        make_customer("ada@lovelace.example", full_name="Ada Lovelace")
        make_customer("grace@navy.example", full_name="Grace Hopper")
    client = _client(alpha, role="staff")
    by_name = client.get(BASE, {"q": "LOVE"}).text
    assert "ada@lovelace.example" in by_name and "grace@navy.example" not in by_name
    by_email = client.get(BASE, {"q": "navy.EX"}).text
    assert "grace@navy.example" in by_email and "ada@lovelace.example" not in by_email


def test_the_list_is_paginated(alpha):
    _customers(alpha, 55)
    client = _client(alpha, role="staff")
    first, second = client.get(BASE).text, client.get(BASE, {"page": 2}).text
    assert first.count('href="/dashboard/customers/') - second.count('href="/dashboard/customers/') > 0
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "buyer-54@example.com" in first and "buyer-0@example.com" in second


def test_the_list_takes_the_same_number_of_queries_for_5_and_50_customers(
    alpha, django_assert_max_num_queries
):
    client = _client(alpha, role="staff")
    _customers(alpha, 5)
    client.get(BASE)  # warm the store's settings cache
    with django_assert_max_num_queries(8) as few:
        assert client.get(BASE).status_code == 200
    _customers(alpha, 45, prefix="more")
    with django_assert_max_num_queries(8) as many:
        assert client.get(BASE).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    print(f"\ncustomer list: {len(many.captured_queries)} queries for 5 and for 50 customers")


def test_the_dashboard_menu_links_to_customers_for_roles_that_may_see_them(alpha):
    assert f'href="{BASE}"' in _client(alpha, role="staff").get("/dashboard/").text
    assert f'href="{BASE}"' in _client(alpha, role="finance").get("/dashboard/").text


# ------------------------------------------------------------------------------
# Detail and edits
# ------------------------------------------------------------------------------
def test_a_customers_page_shows_the_profile_and_saved_addresses(alpha):
    account = make_store_user(alpha, "ada@example.com")
    with _in(alpha):
        customer = make_customer("ada@example.com", full_name="Ada Lovelace", user=account, orders_count=3)
        address_create(user=account, data=address_input(city="Potsdam", postal_code="14467"))
    page = _client(alpha, role="staff").get(f"{BASE}{customer.uuid}/")
    assert page.status_code == 200
    html = page.text
    assert "Ada Lovelace" in html and "ada@example.com" in html and "Potsdam" in html and "Germany" in html
    assert 'name="note"' in html  # staff may edit


def test_staff_edit_a_customer(alpha):
    with _in(alpha):
        customer = make_customer("ada@example.com")
    client = _client(alpha, role="staff")
    response = client.post(
        f"{BASE}{customer.uuid}/",
        {"full_name": "Ada Lovelace", "phone": "+44 20 1234", "note": "VIP", "accepts_marketing": "on"},
    )
    assert response.status_code == 302
    with _in(alpha):
        customer.refresh_from_db()
    assert (customer.full_name, customer.phone, customer.note, customer.accepts_marketing) == (
        "Ada Lovelace",
        "+44 20 1234",
        "VIP",
        True,
    )
    assert "Customer saved." in client.get(response["Location"]).text


def test_a_refused_edit_is_shown_on_the_form_and_nothing_changes(alpha):
    with _in(alpha):
        customer = make_customer("ada@example.com", full_name="Before")
    response = _client(alpha, role="staff").post(
        f"{BASE}{customer.uuid}/", {"full_name": "After", "phone": "call me", "note": ""}
    )
    assert response.status_code == 400
    assert "is not a phone number" in response.text
    with _in(alpha):
        customer.refresh_from_db()
    assert customer.full_name == "Before"


def test_finance_reads_but_cannot_edit_shoppers_and_visitors_get_nothing(alpha):
    with _in(alpha):
        customer = make_customer("ada@example.com", full_name="Before")
    detail = f"{BASE}{customer.uuid}/"
    finance = _client(alpha, role="finance")
    assert finance.get(BASE).status_code == 200
    page = finance.get(detail)
    assert page.status_code == 200 and 'name="note"' not in page.text
    assert finance.post(detail, {"full_name": "Changed"}).status_code == 403
    shopper = _client(alpha)
    for url in (BASE, detail):
        assert shopper.get(url).status_code == 403
    assert shopper.post(detail, {"full_name": "Changed"}).status_code == 403
    anonymous = store_client(alpha).get(detail)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    with _in(alpha):
        customer.refresh_from_db()
    assert customer.full_name == "Before"


def test_an_unknown_customer_is_not_found(alpha):
    assert _client(alpha, role="staff").get(f"{BASE}{uuid.uuid4()}/").status_code == 404


def test_the_social_sign_in_page_is_still_where_it_was(alpha):
    assert _client(alpha, role="admin").get(f"{BASE}social/").status_code == 200


# ------------------------------------------------------------------------------
# Stores
# ------------------------------------------------------------------------------
def test_store_b_cannot_see_or_change_store_as_customers(alpha, beta):
    # given a customer of store A
    with _in(alpha):
        customer = make_customer("alpha-secret@example.com", full_name="Alpha Secret")
    b_staff = _client(beta, role="owner")
    detail = f"{BASE}{customer.uuid}/"
    # when B's staff ask for it by id, or try to change it
    assert b_staff.get(detail).status_code == 404
    assert b_staff.post(detail, {"full_name": "Hijacked", "note": "x"}).status_code == 404
    # then B's list and search show nothing of A
    for params in ({}, {"q": "alpha-secret"}):
        html = b_staff.get(BASE, params).text
        assert "alpha-secret@example.com" not in html and "Alpha Secret" not in html
    # and A's record is as it was
    with _in(alpha):
        customer.refresh_from_db()
    assert (customer.full_name, customer.note) == ("Alpha Secret", "")
    with _in(beta):
        assert not Customer.objects.filter(uuid=customer.uuid).exists()
