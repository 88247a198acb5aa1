"""Refunds through the admin API (`/api/v1/orders/<id>/refunds`): list, create through
`order_refund_issue` (idempotent), more than refundable refused naming `amount`; bad input,
scopes (`refunds:*`), another store's key and ids."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.tests.factories import api_client, api_key_make
from apps.orders.models import Order, Refund
from apps.returns.models import RefundRequest
from apps.returns.services import RefundInput, order_refund_issue
from apps.returns.tests.factories import on_hand, paid_order

pytestmark = pytest.mark.django_db


def _url(order: Order) -> str:
    return f"/api/v1/orders/{order.uuid}/refunds"


def _post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def _order(world, **kwargs) -> tuple[Order, int]:
    with schema_context(world.tenant.schema_name):
        order = paid_order(**kwargs)
        return order, order.lines.get().pk


def test_refunding_lines_gives_money_back_and_restocks(alpha):
    order, line_id = _order(alpha, price="20.00", quantity=3)
    with schema_context(alpha.tenant.schema_name):
        before = sum(on_hand(order).values())
    client = api_client(alpha, api_key_make(alpha, ["refunds:write"]))
    response = _post(
        client,
        _url(order),
        {"lines": [{"line_id": line_id, "quantity": 1}], "restock": True, "reason": "Returned"},
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["order"] == str(order.uuid) and data["currency"] == order.currency
    assert data["amount"] == data["lines"][0]["amount"] and data["lines"][0]["quantity"] == 1
    assert data["restock"] is True and data["reason"] == "Returned" and data["store_credit"] is False
    with schema_context(alpha.tenant.schema_name):
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.amount_refunded == Decimal(data["amount"])
        assert fresh.status == "partially_refunded"
        assert sum(on_hand(order).values()) == before + 1
    listed = client.get(_url(order)).json()
    assert [row["id"] for row in listed["data"]] == [data["id"]]


def test_a_free_amount_is_refunded(alpha):
    order, _line = _order(alpha)
    client = api_client(alpha, api_key_make(alpha, ["refunds:write"]))
    response = _post(client, _url(order), {"amount": "5.00", "reason": "Late"})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["amount"] == "5.00" and response.json()["data"]["lines"] == []


def test_an_order_paid_by_gift_card_is_refunded_onto_it(alpha):
    from apps.checkout.models import GiftCard
    from apps.checkout.services import gift_card_issue
    from apps.orders.tests.factories import checkout_ready, place, variant_make

    with schema_context(alpha.tenant.schema_name):
        card = gift_card_issue(amount=Decimal("30.00"), currency="EUR")
        order = place(checkout_ready(items=[(variant_make(price="20.00"), 1)], codes=[card.code])).order
    client = api_client(alpha, api_key_make(alpha, ["refunds:write"]))

    response = _post(client, _url(order), {"amount": "7.50", "gift_card": True, "reason": "Dented"})

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["gift_card"] is True and data["store_credit"] is False and data["amount"] == "7.50"
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.get(pk=card.pk).balance == Decimal("12.50")  # 30 - 25 + 7.50
    # both ways at once, and more than the card paid, are 400s naming the field
    both = _post(client, _url(order), {"amount": "1.00", "gift_card": True, "store_credit": True})
    assert both.status_code == 400 and "gift_card" in both.json()["error"]["fields"]
    much = _post(client, _url(order), {"amount": "17.51", "gift_card": True})
    assert much.status_code == 400 and "amount" in much.json()["error"]["fields"]


def test_more_than_refundable_is_a_400_naming_amount(alpha):
    order, _line = _order(alpha, price="20.00", quantity=1)
    client = api_client(alpha, api_key_make(alpha, ["refunds:write"]))
    response = _post(client, _url(order), {"amount": "1000.00"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "refund_too_large" and list(error["fields"]) == ["amount"]
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.exists() and not Refund.objects.exists()


def test_an_idempotent_refund_replays_and_refunds_once(alpha):
    order, _line = _order(alpha)
    client = api_client(alpha, api_key_make(alpha, ["refunds:write"]))
    first = _post(client, _url(order), {"amount": "3.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    again = _post(client, _url(order), {"amount": "3.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    reused = _post(client, _url(order), {"amount": "4.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    with schema_context(alpha.tenant.schema_name):
        assert RefundRequest.objects.filter(order=order).count() == 1
        assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("3.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"lines": [{"line_id": "LINE", "quantity": -1}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": "LINE", "quantity": "two"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": "LINE", "quantity": 1, "price": "1"}]}, "lines.0.price"),
        ({"lines": "all"}, "lines"),
        ({"restock": "perhaps", "amount": "1"}, "restock"),
        ({"amount": "1", "colour": "red"}, "colour"),
        ({}, "amount"),
        ({"lines": [{"line_id": 999999999, "quantity": 1}]}, "lines"),
        ({"lines": [{"line_id": "LINE", "quantity": 9}]}, "lines"),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field(alpha, body, field):
    order, line_id = _order(alpha)
    body = json.loads(json.dumps(body).replace('"LINE"', str(line_id)))
    response = _post(api_client(alpha, api_key_make(alpha, ["refunds:write"])), _url(order), body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.exists()


def test_refunds_need_the_refunds_scopes(alpha):
    order, _line = _order(alpha)
    orders_writer = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    assert orders_writer.get(_url(order)).status_code == 403
    response = _post(orders_writer, _url(order), {"amount": "1.00"})
    assert response.status_code == 403 and response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    reader = api_client(alpha, api_key_make(alpha, ["refunds:read"]))
    assert reader.get(_url(order)).status_code == 200
    response = _post(reader, _url(order), {"amount": "1.00"})
    assert response.status_code == 403 and "refunds:write" in response.json()["error"]["message"]
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.exists()


def test_another_stores_key_is_401_and_its_ids_are_404(alpha, beta):
    order, _line = _order(alpha)
    beta_key = api_key_make(beta)
    on_alpha = api_client(alpha, beta_key)
    assert on_alpha.get(_url(order)).status_code == 401
    assert _post(on_alpha, _url(order), {"amount": "1.00"}).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(_url(order)).status_code == 404
    assert _post(on_beta, _url(order), {"amount": "1.00"}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.exists()


def test_the_refund_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    import uuid

    order, _line = _order(alpha, price="50.00", quantity=2)
    client = api_client(alpha, api_key_make(alpha, ["refunds:read"]))
    client.get(_url(order))  # warm: the key's last-used write happens once a minute
    counts = []
    for rows in (3, 30):
        with schema_context(alpha.tenant.schema_name):
            while RefundRequest.objects.filter(order=order).count() < rows:
                order_refund_issue(
                    order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("1.00"))
                )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(order), {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == rows
        counts.append(len(queries))
    print(f"\nqueries at 3 and 30 rows: {counts}")
    assert counts[0] == counts[1] <= 10, counts
