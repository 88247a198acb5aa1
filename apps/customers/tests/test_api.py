"""Customers through the admin API (`/api/v1/customers...`): list with search and filters,
detail with order counters, staff adding a record through `customer_create` and editing one
through `customer_update`; bad input, scopes, another store's key and ids."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.tests.factories import api_client, api_key_make
from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.customers.tests.factories import make_customer, make_shopper, make_verified_shopper

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers"


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _customer(world, email: str = "guest@example.com", **fields) -> Customer:
    with schema_context(world.tenant.schema_name):
        return make_customer(email, **fields)


def test_the_list_answers_customers_newest_first_with_counters(alpha):
    older = _customer(
        alpha, "old@example.com", full_name="Olga Old", orders_count=2, total_spent=Decimal("45.5")
    )
    newer = _customer(alpha, "new@example.com", full_name="Nina New")
    body = api_client(alpha, api_key_make(alpha, ["customers:read"])).get(LIST).json()
    assert body["meta"]["total"] == 2
    assert [row["id"] for row in body["data"]] == [str(newer.uuid), str(older.uuid)]
    row = body["data"][1]
    assert row["orders_count"] == 2 and row["total_spent"] == "45.50" and len(row["currency"]) == 3
    assert row["email"] == "old@example.com" and row["has_account"] is False


def test_the_list_searches_and_filters(alpha):
    with schema_context(alpha.tenant.schema_name):
        shopper = make_shopper("acct@example.com")
        with_account = make_customer("acct@example.com", user=shopper, full_name="Anna Account")
        buyer = make_customer(
            "buyer@example.com", full_name="Ben Buyer", orders_count=1, accepts_marketing=True
        )
        old = make_customer("old@example.com", full_name="Olga Old")
        Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    client = api_client(alpha, api_key_make(alpha, ["customers:read"]))

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["data"]}

    assert ids(q="BUYER") == {str(buyer.uuid)}
    assert ids(q="anna") == {str(with_account.uuid)}
    assert ids(accepts_marketing="true") == {str(buyer.uuid)}
    assert ids(has_account="true") == {str(with_account.uuid)}
    assert ids(has_orders="true") == {str(buyer.uuid)}
    assert ids(created_before=(timezone.now() - timedelta(days=1)).isoformat()) == {str(old.uuid)}
    ordered = client.get(LIST, {"ordering": "email"}).json()["data"]
    assert [row["email"] for row in ordered] == ["acct@example.com", "buyer@example.com", "old@example.com"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"accepts_marketing": "maybe"}, "accepts_marketing"),
        ({"created_after": "last week"}, "created_after"),
        ({"q": "x" * 101}, "q"),
        ({"search": "x"}, "search"),
        ({"ordering": "note"}, "ordering"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(alpha, params, field):
    response = api_client(alpha, api_key_make(alpha, ["customers:read"])).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_detail_has_the_order_count_and_total_spent(alpha):
    customer = _customer(alpha, "c@example.com", orders_count=3, total_spent=Decimal("99.9"), note="VIP")
    response = api_client(alpha, api_key_make(alpha, ["customers:read"])).get(f"{LIST}/{customer.uuid}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["orders_count"] == 3 and data["total_spent"] == "99.90" and data["note"] == "VIP"


def test_updating_changes_name_phone_note_and_consent_through_the_service(alpha):
    customer = _customer(alpha, "c@example.com", full_name="Old Name")
    client = api_client(alpha, api_key_make(alpha, ["customers:write"]))
    response = _patch(
        client,
        f"{LIST}/{customer.uuid}",
        {
            "full_name": "  New   Name ",
            "phone": "+49 30 1234567",
            "note": "Prefers email",
            "accepts_marketing": True,
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["full_name"] == "New Name" and data["phone"] == "+49 30 1234567"
    assert data["note"] == "Prefers email" and data["accepts_marketing"] is True
    with schema_context(alpha.tenant.schema_name):
        event = EventRecord.objects.filter(name="customer.updated").latest("id")
        assert event.payload["fields"] == ["accepts_marketing", "full_name", "note", "phone"]
    partial = _patch(client, f"{LIST}/{customer.uuid}", {"note": ""})
    assert partial.json()["data"]["note"] == "" and partial.json()["data"]["full_name"] == "New Name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "call me"}, "phone"),
        ({"full_name": "A\x00B"}, "full_name"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"accepts_marketing": "perhaps"}, "accepts_marketing"),
        ({"email": "new@example.com"}, "email"),
        ({"orders_count": 10}, "orders_count"),
        ({"note": ["a"]}, "note"),
    ],
)
def test_bad_updates_are_a_400_naming_the_field(alpha, body, field):
    customer = _customer(alpha, "c@example.com", full_name="Kept")
    response = _patch(
        api_client(alpha, api_key_make(alpha, ["customers:write"])), f"{LIST}/{customer.uuid}", body
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert Customer.objects.get(pk=customer.pk).full_name == "Kept"


def test_a_read_key_cannot_update(alpha):
    customer = _customer(alpha, "c@example.com", full_name="Kept")
    client = api_client(alpha, api_key_make(alpha, ["customers:read"]))
    response = _patch(client, f"{LIST}/{customer.uuid}", {"full_name": "Changed"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    assert api_client(alpha, api_key_make(alpha, ["orders:write"])).get(LIST).status_code == 403
    with schema_context(alpha.tenant.schema_name):
        assert Customer.objects.get(pk=customer.pk).full_name == "Kept"


def test_another_stores_key_is_401_and_its_ids_are_404(alpha, beta):
    customer = _customer(alpha, "c@example.com", full_name="Kept")
    beta_key = api_key_make(beta)
    on_alpha = api_client(alpha, beta_key)
    assert on_alpha.get(LIST).status_code == 401
    assert _patch(on_alpha, f"{LIST}/{customer.uuid}", {"full_name": "X"}).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(LIST).json()["meta"]["total"] == 0
    assert on_beta.get(f"{LIST}/{customer.uuid}").status_code == 404
    assert _patch(on_beta, f"{LIST}/{customer.uuid}", {"full_name": "X"}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert Customer.objects.get(pk=customer.pk).full_name == "Kept"


def test_creating_a_customer_saves_the_record_and_announces_it(alpha):
    client = api_client(alpha, api_key_make(alpha, ["customers:write"]))
    response = _post(
        client,
        LIST,
        {
            "email": " Erika@Example.com ",
            "full_name": "  Erika   Mustermann ",
            "phone": "+49 30 1234567",
            "note": "Met at the fair",
            "accepts_marketing": True,
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["email"] == "erika@example.com" and data["full_name"] == "Erika Mustermann"
    assert data["phone"] == "+49 30 1234567" and data["note"] == "Met at the fair"
    assert data["accepts_marketing"] is True and data["orders_count"] == 0 and data["has_account"] is False
    with schema_context(alpha.tenant.schema_name):
        customer = Customer.objects.get(email="erika@example.com")
        assert str(customer.uuid) == data["id"]
        event = EventRecord.objects.filter(name="customer.created").latest("id")
        assert event.payload["customer_uuid"] == data["id"] and event.payload["source"] == "staff"
    # only the email is required; no Idempotency-Key is needed
    plain = _post(client, LIST, {"email": "plain@example.com"})
    assert plain.status_code == 201 and plain.json()["data"]["full_name"] == ""
    assert client.get(f"{LIST}/{data['id']}").json()["data"]["email"] == "erika@example.com"


def test_a_created_customer_is_linked_to_the_account_that_verified_its_email(alpha):
    with schema_context(alpha.tenant.schema_name):
        shopper = make_verified_shopper("owner@example.com")
    client = api_client(alpha, api_key_make(alpha, ["customers:write"]))
    response = _post(client, LIST, {"email": "owner@example.com"})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["has_account"] is True
    with schema_context(alpha.tenant.schema_name):
        assert Customer.objects.get(email="owner@example.com").user_id == shopper.pk


def test_an_email_already_on_file_is_a_400_naming_the_email(alpha):
    _customer(alpha, "taken@example.com", full_name="First")
    client = api_client(alpha, api_key_make(alpha, ["customers:write"]))
    response = _post(client, LIST, {"email": "TAKEN@example.com", "full_name": "Second"})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == ApiErrorCode.VALIDATION_ERROR and "already" in error["fields"]["email"][0]
    with schema_context(alpha.tenant.schema_name):
        assert list(Customer.objects.values_list("full_name", flat=True)) == ["First"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ["a@example.com"]}, "email"),
        ({"email": "a@example.com", "phone": "call me"}, "phone"),
        ({"email": "a@example.com", "full_name": "A\x00B"}, "full_name"),
        ({"email": "a@example.com", "full_name": "A\x07B"}, "full_name"),
        ({"email": "a@example.com", "full_name": "x" * 151}, "full_name"),
        ({"email": "a@example.com", "note": "x" * 5001}, "note"),
        ({"email": "a@example.com", "accepts_marketing": "perhaps"}, "accepts_marketing"),
        ({"email": "a@example.com", "orders_count": 10}, "orders_count"),
    ],
)
def test_bad_customer_bodies_are_a_400_naming_the_field(alpha, body, field):
    response = _post(api_client(alpha, api_key_make(alpha, ["customers:write"])), LIST, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert Customer.objects.count() == 0


def test_creating_takes_the_write_scope_and_a_key_of_this_store(alpha, beta):
    body = {"email": "new@example.com"}
    read_only = _post(api_client(alpha, api_key_make(alpha, ["customers:read"])), LIST, body)
    assert read_only.status_code == 403
    assert read_only.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    other_scope = _post(api_client(alpha, api_key_make(alpha, ["orders:write"])), LIST, body)
    assert other_scope.status_code == 403
    assert _post(api_client(alpha, None), LIST, body).status_code == 401
    foreign = _post(api_client(alpha, api_key_make(beta, ["customers:write"])), LIST, body)
    assert foreign.status_code == 401
    assert foreign.json()["error"]["code"] == ApiErrorCode.KEY_INVALID
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            assert not Customer.objects.filter(email="new@example.com").exists()


def test_the_customer_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["customers:read"]))
    client.get(LIST)  # warm: the key's last-used write happens once a minute
    counts = []
    for rows in (3, 30):
        with schema_context(alpha.tenant.schema_name):
            while Customer.objects.count() < rows:
                make_customer(f"c{Customer.objects.count()}@example.com")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == rows
        counts.append(len(queries))
    print(f"\nqueries at 3 and 30 rows: {counts}")
    assert counts[0] == counts[1] <= 10, counts
