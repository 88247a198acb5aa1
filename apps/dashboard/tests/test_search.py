"""The command palette's search (/dashboard/search/, JSON) and its page without script
(/dashboard/search/results/): what it finds, what each role may see, bad input, another store's
rows, and a fixed number of queries however many rows the store holds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.tests.factories import make_product
from apps.core.permissions import ROLE_PERMISSIONS, Perm, Role
from apps.customers.tests.factories import make_customer
from apps.dashboard.search import QUERY_MAX_LENGTH, RESULTS_PER_KIND
from apps.orders.tests.factories import order_row
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/search/"
PAGE_URL = "/dashboard/search/results/"


def _client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _search(client: Client, q: str) -> list[dict[str, Any]]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["error"] is None
    return body["data"]


def _kinds(data: list[dict[str, Any]]) -> set[str]:
    return {row["kind"] for row in data}


# ------------------------------------------------------------------------------
# what it finds
# ------------------------------------------------------------------------------
def test_it_finds_a_product_by_part_of_its_name_or_its_sku(alpha):
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Harbour Raincoat", sku_prefix="RAIN-77")
        make_product("Linen Shirt")
    client = _client(alpha, "staff")

    # given part of the title, in another case, while still being typed
    data = _search(client, "harbour rain")
    products = [row for row in data if row["kind"] == "product"]
    assert products == [
        {
            "kind": "product",
            "label": "Harbour Raincoat",
            "detail": "Active",
            "url": f"/dashboard/catalog/products/{product.uuid}/",
        }
    ]
    # a whole SKU finds it too
    assert [row["label"] for row in _search(client, "rain-77-s0") if row["kind"] == "product"] == [
        "Harbour Raincoat"
    ]


def test_it_finds_an_order_by_number_with_or_without_the_hash_and_by_email(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = order_row(email="marta@example.com")
        order_row(email="someone-else@example.com")
    client = _client(alpha, "staff")

    for query in (str(order.number), f"#{order.number}"):
        orders = [row for row in _search(client, query) if row["kind"] == "order"]
        assert [row["url"] for row in orders] == [f"/dashboard/orders/{order.number}/"], query
        assert orders[0]["label"] == f"Order #{order.number}"
        assert orders[0]["detail"].startswith("marta@example.com · ")
    by_email = [row for row in _search(client, "MARTA@") if row["kind"] == "order"]
    assert [row["label"] for row in by_email] == [f"Order #{order.number}"]


def test_it_finds_a_customer_by_email_or_name(alpha):
    with schema_context(alpha.tenant.schema_name):
        customer = make_customer("ada@lovelace.example", full_name="Ada Lovelace")
        make_customer("grace@navy.example", full_name="Grace Hopper")
    client = _client(alpha, "staff")

    expected = [
        {
            "kind": "customer",
            "label": "Ada Lovelace",
            "detail": "ada@lovelace.example",
            "url": f"/dashboard/customers/{customer.uuid}/",
        }
    ]
    assert [row for row in _search(client, "lovelace.EX") if row["kind"] == "customer"] == expected
    assert [row for row in _search(client, "ada love") if row["kind"] == "customer"] == expected


def test_it_finds_the_pages_of_the_menu_by_name(alpha):
    data = _search(_client(alpha, "owner"), "ord")
    pages = {row["label"]: row for row in data if row["kind"] == "page"}
    assert pages["Orders"]["url"] == "/dashboard/orders/"
    assert pages["Orders"]["detail"] == "Sell"
    assert "Draft orders" in pages


def test_an_empty_or_one_letter_query_lists_pages_only_without_a_query_to_the_records(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_product("Sandal")
        make_customer("sam@example.com", full_name="Sam")
    client = _client(alpha, "owner")
    everything = _search(client, "")
    assert _kinds(everything) == {"page"}
    assert {"Home", "Orders", "Products", "Customers", "Settings"} <= {row["label"] for row in everything}
    assert _kinds(_search(client, "s")) == {"page"}


def test_each_kind_shows_a_few_results_at_most(alpha):
    with schema_context(alpha.tenant.schema_name):
        for n in range(RESULTS_PER_KIND + 3):
            make_product(f"Wool Sock {n}", sku_prefix=f"SOCK-{n}")
    products = [row for row in _search(_client(alpha, "staff"), "wool sock") if row["kind"] == "product"]
    assert len(products) == RESULTS_PER_KIND


# ------------------------------------------------------------------------------
# who sees what
# ------------------------------------------------------------------------------
def test_staff_do_not_find_the_pages_their_role_may_not_open_and_finance_does(alpha):
    staff = {row["label"] for row in _search(_client(alpha, "staff"), "") if row["kind"] == "page"}
    finance = {row["label"] for row in _search(_client(alpha, "finance"), "") if row["kind"] == "page"}
    assert "Orders" in staff and "Products" in staff
    assert not {"Settings", "Payments", "Domains", "API keys", "Webhooks"} & staff
    assert {"Settings", "Payments", "Orders", "Customers"} <= finance


def test_finance_finds_products_orders_and_customers_it_may_read(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_product("Ledger Notebook")
        order = order_row(email="ledger@example.com")
        make_customer("ledger@example.com", full_name="Lena Ledger")
    data = _search(_client(alpha, "finance"), "ledger")
    assert _kinds(data) == {"product", "order", "customer"}
    assert f"Order #{order.number}" in {row["label"] for row in data}


def test_a_kind_the_role_may_not_read_is_left_out(alpha, monkeypatch):
    # given a finance role that may not read customers (each kind asks its own permission)
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        Role.FINANCE,
        ROLE_PERMISSIONS[Role.FINANCE] - {Perm.CUSTOMERS_VIEW, Perm.CATALOG_VIEW},
    )
    with schema_context(alpha.tenant.schema_name):
        make_product("Quill Pen")
        order_row(email="quill@example.com")
        make_customer("quill@example.com", full_name="Quentin Quill")
    data = _search(_client(alpha, "finance"), "quill")
    assert _kinds(data) == {"order"}
    assert "Quentin Quill" not in _client(alpha, "finance").get(PAGE_URL, {"q": "quill"}).text


def test_shoppers_and_signed_out_visitors_cannot_search(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_customer("secret@example.com", full_name="Secret Customer")
    shopper = make_store_user(alpha, "shopper-search@example.com")
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(shopper, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.get(URL, {"q": "secret"})
    assert refused.status_code == 403 and b"secret@example.com" not in refused.content
    signed_out = store_client(alpha).get(URL, {"q": "secret"})
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]


def test_store_beta_never_finds_store_alphas_rows(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        make_product("Alpha Only Lantern")
        order = order_row(email="alpha-only@example.com")
        make_customer("alpha-only@example.com", full_name="Alpha Only")
    beta_client = _client(beta, "owner")
    assert _kinds(_search(beta_client, "alpha only")) <= {"page"}
    assert not [row for row in _search(beta_client, "alpha-only@") if row["kind"] != "page"]
    assert not [row for row in _search(beta_client, f"#{order.number}") if row["kind"] == "order"]
    # and alpha's staff session is no key to beta's dashboard
    alpha_user = make_store_user(alpha, "alpha-staff-search@example.com", role="owner")
    crossing = store_client(beta)
    with schema_context(alpha.tenant.schema_name):
        crossing.force_login(alpha_user, backend="django.contrib.auth.backends.ModelBackend")
    assert crossing.get(URL, {"q": "alpha"}).status_code in (302, 403)


# ------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------
def test_a_query_too_long_is_refused_with_a_message(alpha):
    client = _client(alpha, "staff")
    response = client.get(URL, {"q": "x" * (QUERY_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert response.json() == {"data": [], "error": f"Search for at most {QUERY_MAX_LENGTH} characters."}
    page = client.get(PAGE_URL, {"q": "x" * (QUERY_MAX_LENGTH + 1)})
    assert page.status_code == 400
    assert f"Search for at most {QUERY_MAX_LENGTH} characters." in page.text


def test_odd_characters_are_searched_as_text(alpha):
    client = _client(alpha, "staff")
    for query in ("%", "_", "'; drop table", "\\", "#", "##1", "ü" * QUERY_MAX_LENGTH):
        assert _search(client, query) is not None


# ------------------------------------------------------------------------------
# the page without script
# ------------------------------------------------------------------------------
def test_the_results_page_lists_the_same_results_under_headings(alpha):
    with schema_context(alpha.tenant.schema_name):
        product = make_product("Harbour Raincoat")
        make_customer("harbour@example.com", full_name="Hana Harbour")
    page = _client(alpha, "staff").get(PAGE_URL, {"q": "harbour"})
    assert page.status_code == 200
    html = page.text
    assert '<h2 id="results-product">Products</h2>' in html
    assert '<h2 id="results-customer">Customers</h2>' in html
    assert f'href="/dashboard/catalog/products/{product.uuid}/"' in html
    assert "Hana Harbour" in html
    assert 'value="harbour"' in html


def test_the_results_page_says_what_to_try_when_nothing_matches(alpha):
    client = _client(alpha, "staff")
    assert "Type a page name" in client.get(PAGE_URL).text
    assert "Nothing matches “zzzqx”." in client.get(PAGE_URL, {"q": "zzzqx"}).text


# ------------------------------------------------------------------------------
# queries
# ------------------------------------------------------------------------------
def _queries(client: Client, q: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, {"q": q}).status_code == 200
    return len(captured)


def test_the_search_costs_one_query_per_kind_whatever_the_store_holds(alpha):
    client = _client(alpha, "owner")
    with schema_context(alpha.tenant.schema_name):
        make_product("Tide Kettle 0")
        order_row(email="tide-0@example.com")
        make_customer("tide-0@example.com", full_name="Tide 0")
    client.get(URL, {"q": "warm"})  # the host's store is looked up once, then cached
    few = _queries(client, "tide")
    with schema_context(alpha.tenant.schema_name):
        for n in range(1, 12):
            make_product(f"Tide Kettle {n}", sku_prefix=f"TIDE-{n}")
            order_row(email=f"tide-{n}@example.com")
            make_customer(f"tide-{n}@example.com", full_name=f"Tide {n}")
    many = _queries(client, "tide")
    # the schema, the session and the user, then products, orders and customers: one each
    assert few == many == 6
    assert _queries(client, "t") == 3  # a short query reads no records
