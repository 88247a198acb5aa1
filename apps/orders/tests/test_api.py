"""The orders' admin API (`/api/v1/orders...`): list with filters, detail, draft orders made
through the API (idempotent), cancelling; bad input, scopes, another store's key and ids."""

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
from apps.api.models import IdempotencyRecord
from apps.api.tests.factories import api_client, api_key_make
from apps.checkout.tests.dashboard_support import tax_rate_make
from apps.fulfilment.services import fulfilment_create
from apps.orders.models import Order
from apps.orders.tests.factories import draft_make, order_placed, variant_make

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orders"


def _post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def _variant(world, **kwargs):
    with schema_context(world.tenant.schema_name):
        return variant_make(**kwargs)


def _draft_body(sku: str, **changes) -> dict:
    body = {
        "email": "erika@example.com",
        "customer_name": "Erika Mustermann",
        "lines": [{"sku": sku, "quantity": 2}],
        "shipping_address": {
            "name": "Erika Mustermann",
            "line1": "Unter den Linden 1",
            "city": "Berlin",
            "postal_code": "10117",
            "country": "DE",
        },
        "shipping": {"name": "Standard", "amount": "4.90"},
    }
    body.update(changes)
    return body


# ------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------
def test_the_list_answers_orders_newest_first_with_money_as_strings(alpha):
    with schema_context(alpha.tenant.schema_name):
        paid = order_placed(price="20.00", quantity=2, email="paid@example.com")
        draft = draft_make(email="draft@example.com", price="30.00", quantity=1)
    body = api_client(alpha, api_key_make(alpha, ["orders:read"])).get(LIST).json()
    assert body["error"] is None and body["meta"]["total"] == 2
    assert [row["id"] for row in body["data"]] == [str(draft.uuid), str(paid.uuid)]
    first = body["data"][1]
    assert first["number"] == paid.number and first["status"] == "paid"
    assert first["payment_status"] == "paid"
    assert first["currency"] == paid.currency
    assert first["totals"]["subtotal"] == "40.00"
    assert first["totals"]["total"] == f"{paid.total:.2f}"
    assert first["customer"]["id"]
    assert body["data"][0]["payment_status"] == "awaiting" and body["data"][0]["origin"] == "draft"


def test_the_list_filters_by_status_payment_email_and_created_range(alpha):
    with schema_context(alpha.tenant.schema_name):
        paid = order_placed(email="paid@example.com")
        draft = draft_make(email="draft@example.com")
        Order.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(days=10))
    client = api_client(alpha, api_key_make(alpha, ["orders:read"]))

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert ids(status="paid") == [str(paid.uuid)]
    assert ids(payment_status="awaiting") == [str(draft.uuid)]
    assert ids(payment_status="paid") == [str(paid.uuid)]
    assert ids(email="DRAFT@example.com") == [str(draft.uuid)]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=since) == [str(paid.uuid)]
    assert ids(created_before=since) == [str(draft.uuid)]
    assert ids(ordering="created_at") == [str(draft.uuid), str(paid.uuid)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "shiny"}, "status"),
        ({"payment_status": "owed"}, "payment_status"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"colour": "red"}, "colour"),
        ({"ordering": "email"}, "ordering"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(alpha, params, field):
    response = api_client(alpha, api_key_make(alpha, ["orders:read"])).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_detail_has_lines_totals_addresses_payments_refunds_and_shipments(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = order_placed(price="20.00", quantity=2)
        line = order.lines.get()
        fulfilment_create(
            order=order, lines=[(line, 1)], carrier="dhl", tracking_number="00340434161094042557"
        )
    response = api_client(alpha, api_key_make(alpha, ["orders:read"])).get(f"{LIST}/{order.uuid}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == str(order.uuid) and data["status"] == "partially_fulfilled"
    assert data["lines"] == [
        {
            "id": line.pk,
            "sku": line.sku,
            "product_title": line.product_title,
            "variant_title": line.variant_title,
            "quantity": 2,
            "unit_price": "20.00",
            "subtotal": "40.00",
            "discount": "0.00",
            "tax": data["lines"][0]["tax"],
            "total": data["lines"][0]["total"],
        }
    ]
    assert data["shipping_address"]["city"] == "Berlin"
    assert [p["status"] for p in data["payments"]] == ["succeeded"]
    assert data["payments"][0]["amount"] == data["totals"]["total"]
    assert data["refunds"] == []
    assert len(data["fulfilments"]) == 1
    assert data["fulfilments"][0]["units"] == 1 and data["fulfilments"][0]["carrier"] == "dhl"


def test_the_totals_add_up_with_shipping_shown_without_its_tax(alpha):
    # given prices without tax and a 19 % VAT that applies to shipping
    with schema_context(alpha.tenant.schema_name):
        tax_rate_make(country="DE", rate="0.19")
        order = order_placed(price="20.00", quantity=2)
        assert not order.prices_include_tax and order.shipping_total > order.shipping_shown > 0
    totals = (
        api_client(alpha, api_key_make(alpha, ["orders:read"]))
        .get(f"{LIST}/{order.uuid}")
        .json()["data"]["totals"]
    )
    # then shipping is the row a totals table shows, and the rows add up
    assert totals["shipping_total"] == f"{order.shipping_shown:.2f}"
    amounts = {name: Decimal(value) for name, value in totals.items()}
    assert (
        amounts["subtotal"] - amounts["discount_total"] + amounts["shipping_total"] + amounts["tax_total"]
        == amounts["total"]
    )


# ------------------------------------------------------------------------------
# creating draft orders
# ------------------------------------------------------------------------------
def test_creating_an_order_makes_a_pending_unpaid_draft(alpha):
    variant = _variant(alpha, price="12.50")
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = _post(client, LIST, _draft_body(variant.sku))
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["status"] == "pending" and data["origin"] == "draft"
    assert data["payment_status"] == "awaiting" and data["payments"] == []
    assert data["lines"][0]["sku"] == variant.sku and data["lines"][0]["quantity"] == 2
    assert data["lines"][0]["unit_price"] == "12.50"
    assert data["shipping_method_name"] == "Standard"
    assert data["email"] == "erika@example.com"
    with schema_context(alpha.tenant.schema_name):
        order = Order.objects.get(uuid=data["id"])
        assert order.created_by is not None and order.stock_status == "none"


def test_an_idempotent_create_replays_its_response_and_makes_one_order(alpha):
    variant = _variant(alpha)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    body = _draft_body(variant.sku)
    first = _post(client, LIST, body, HTTP_IDEMPOTENCY_KEY="order-1")
    again = _post(client, LIST, body, HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.count() == 1
    other = _post(client, LIST, {**body, "email": "other@example.com"}, HTTP_IDEMPOTENCY_KEY="order-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.count() == 1
        assert IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"sku": "X", "quantity": -1}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "X", "quantity": "many"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "X", "quantity": 1, "colour": "red"}]}, "lines.0.colour"),
        ({"lines": []}, "lines"),
        ({"lines": "SKU-1"}, "lines"),
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"colour": "red"}, "colour"),
        ({"shipping": {"amount": "-5"}}, "shipping.amount"),
        (
            {"shipping_address": {"name": "E", "line1": "L", "city": "C", "country": "ZZ"}},
            "shipping_address.country",
        ),
    ],
)
def test_bad_create_bodies_are_a_400_naming_the_field(alpha, change, field):
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = _post(client, LIST, _draft_body("X", **change))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error


def test_an_unknown_sku_is_a_400_naming_the_line(alpha):
    variant = _variant(alpha)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    body = _draft_body(
        variant.sku, lines=[{"sku": variant.sku, "quantity": 1}, {"sku": "NOPE", "quantity": 1}]
    )
    response = _post(client, LIST, body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["lines.1.sku"]


@pytest.mark.parametrize(
    ("lines", "shipping", "message"),
    [
        # every amount fits, the total does not: numeric(12, 3) holds less than 10^9
        ([{"quantity": 99, "unit_price": "999999999"}], "4.90", "more than one order can hold"),
        ([{"quantity": 1}], "999999999.999", "Enter an amount below 1,000,000,000."),
        # one product at two prices (a free unit beside a paid one) is refused, not merged
        ([{"quantity": 1, "unit_price": "0"}, {"quantity": 1}], "4.90", "listed twice with different prices"),
        ([{"quantity": 1}, {"quantity": 1, "unit_price": "0"}], "4.90", "listed twice with different prices"),
    ],
)
def test_an_order_that_cannot_be_stored_or_priced_as_asked_is_a_400_and_nothing_is_made(
    alpha, lines, shipping, message
):
    variant = _variant(alpha)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    body = _draft_body(
        variant.sku,
        lines=[{"sku": variant.sku, **line} for line in lines],
        shipping={"name": "Standard", "amount": shipping},
    )
    response = _post(client, LIST, body)
    assert response.status_code == 400, response.content
    assert message in response.json()["error"]["message"] + str(response.json()["error"]["fields"])
    with schema_context(alpha.tenant.schema_name):
        assert not Order.objects.exists()


def test_one_product_listed_twice_at_one_price_is_one_line(alpha):
    variant = _variant(alpha)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    lines = [
        {"sku": variant.sku, "quantity": 1, "unit_price": "5"},
        {"sku": variant.sku, "quantity": 2, "unit_price": "5"},
    ]
    response = _post(client, LIST, _draft_body(variant.sku, lines=lines))
    assert response.status_code == 201, response.content
    [line] = response.json()["data"]["lines"]
    assert line["quantity"] == 3 and line["unit_price"] in ("5.00", "5.000")


def test_malformed_json_is_a_400(alpha):
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = client.post(LIST, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == ApiErrorCode.PARSE_ERROR


def test_a_read_key_cannot_create_or_cancel(alpha):
    variant = _variant(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = draft_make()
    client = api_client(alpha, api_key_make(alpha, ["orders:read"]))
    for response in (
        _post(client, LIST, _draft_body(variant.sku)),
        _post(client, f"{LIST}/{order.uuid}/cancel", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.count() == 1


# ------------------------------------------------------------------------------
# cancelling
# ------------------------------------------------------------------------------
def test_cancelling_a_paid_order_refunds_and_cancels_it_once(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = order_placed()
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = _post(client, f"{LIST}/{order.uuid}/cancel", {"reason": "Customer asked"})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["status"] == "cancelled" and data["cancel_reason"] == "Customer asked"
    assert data["totals"]["amount_refunded"] == data["totals"]["amount_paid"]
    assert data["payment_status"] == "refunded"
    again = _post(client, f"{LIST}/{order.uuid}/cancel", {})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "not_cancellable"


def test_an_order_cancelled_before_taking_money_has_no_payment_status(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = draft_make()
    client = api_client(alpha, api_key_make(alpha, ["orders:read", "orders:write"]))
    response = _post(client, f"{LIST}/{order.uuid}/cancel", {})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["payment_status"] is None
    listed = client.get(LIST).json()["data"]
    assert [row["payment_status"] for row in listed] == [None]


def test_cancel_refuses_wrong_types(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = draft_make()
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = _post(client, f"{LIST}/{order.uuid}/cancel", {"restock": "perhaps", "reason": ["x"]})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"restock", "reason"}


# ------------------------------------------------------------------------------
# stores apart
# ------------------------------------------------------------------------------
def test_another_stores_key_is_401_and_its_ids_are_404(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        order = draft_make()
    beta_key = api_key_make(beta)
    on_alpha = api_client(alpha, beta_key)
    assert on_alpha.get(LIST).status_code == 401
    assert on_alpha.get(f"{LIST}/{order.uuid}").status_code == 401
    assert _post(on_alpha, f"{LIST}/{order.uuid}/cancel", {}).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(LIST).json()["meta"]["total"] == 0
    assert on_beta.get(f"{LIST}/{order.uuid}").status_code == 404
    assert _post(on_beta, f"{LIST}/{order.uuid}/cancel", {}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.get(pk=order.pk).status == "pending"


def test_the_order_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["orders:read"]))
    client.get(LIST)  # warm: the key's last-used write happens once a minute
    counts = []
    with schema_context(alpha.tenant.schema_name):
        variant = variant_make(stock=0)
    for rows in (3, 30):
        with schema_context(alpha.tenant.schema_name):
            while Order.objects.count() < rows:
                draft_make(email=f"c{Order.objects.count()}@example.com", variant=variant)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == rows
        counts.append(len(queries))
    print(f"\nqueries at 3 and 30 rows: {counts}")
    assert counts[0] == counts[1] <= 10, counts
