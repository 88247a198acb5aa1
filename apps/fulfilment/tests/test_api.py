"""Shipments through the admin API (`/api/v1/orders/<id>/fulfilments...`): list, create
(idempotent), mark delivered; bad input, scopes, another store's key and ids."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.tests.factories import api_client, api_key_make
from apps.fulfilment.models import Fulfilment
from apps.fulfilment.tests.factories import paid_order, ship
from apps.orders.models import Order

pytestmark = pytest.mark.django_db


def _url(order: Order) -> str:
    return f"/api/v1/orders/{order.uuid}/fulfilments"


def _post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def _order(world, *quantities: int) -> tuple[Order, list[int]]:
    with schema_context(world.tenant.schema_name):
        order = paid_order(*quantities)
        return order, list(order.lines.order_by("position", "id").values_list("pk", flat=True))


def _body(line_id: int, quantity: int = 1, **changes) -> dict:
    body = {
        "lines": [{"line_id": line_id, "quantity": quantity}],
        "carrier": "dhl",
        "tracking_number": "00340434161094042557",
    }
    body.update(changes)
    return body


def test_creating_a_shipment_ships_units_and_moves_the_order(alpha):
    order, (line_id,) = _order(alpha, 2)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    response = _post(client, _url(order), _body(line_id, 1))
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["status"] == "shipped" and data["carrier"] == "dhl"
    assert data["tracking_number"] == "00340434161094042557" and data["tracking_url"].startswith("https://")
    assert data["lines"] == [{"line_id": line_id, "sku": data["lines"][0]["sku"], "quantity": 1}]
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.get(pk=order.pk).status == "partially_fulfilled"
    listed = client.get(_url(order)).json()
    assert [row["id"] for row in listed["data"]] == [data["id"]]


def test_an_idempotent_create_replays_and_ships_once(alpha):
    order, (line_id,) = _order(alpha, 3)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    first = _post(client, _url(order), _body(line_id, 1), HTTP_IDEMPOTENCY_KEY="ship-1")
    again = _post(client, _url(order), _body(line_id, 1), HTTP_IDEMPOTENCY_KEY="ship-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    reused = _post(client, _url(order), _body(line_id, 2), HTTP_IDEMPOTENCY_KEY="ship-1")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    with schema_context(alpha.tenant.schema_name):
        assert Fulfilment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"line_id": "LINE", "quantity": -1}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": "LINE", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": "LINE", "quantity": 1.5}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": "first", "quantity": 1}]}, "lines.0.line_id"),
        ({"lines": []}, "lines"),
        ({"carrier": ["dhl"]}, "carrier"),
        ({"colour": "red"}, "colour"),
        ({"tracking_number": "!"}, "tracking_number"),
        ({"carrier": "pigeon"}, "carrier"),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field(alpha, change, field):
    order, (line_id,) = _order(alpha, 1)
    body = _body(line_id, 1)
    body.update(json.loads(json.dumps(change).replace('"LINE"', str(line_id))))
    response = _post(api_client(alpha, api_key_make(alpha, ["orders:write"])), _url(order), body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()


def test_more_units_than_are_left_or_another_orders_line_is_a_400_naming_the_line(alpha):
    order, (line_id,) = _order(alpha, 2)
    _other, (other_line,) = _order(alpha, 1)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    too_many = _post(client, _url(order), _body(line_id, 3))
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == "quantity_too_large"
    assert list(too_many.json()["error"]["fields"]) == ["lines.0.quantity"]
    foreign = _post(client, _url(order), _body(other_line, 1))
    assert foreign.status_code == 400
    assert list(foreign.json()["error"]["fields"]) == ["lines.0.line_id"]


def test_an_unpaid_order_cannot_ship(alpha):
    from apps.orders.tests.factories import draft_make

    with schema_context(alpha.tenant.schema_name):
        draft = draft_make()
        line_id = draft.lines.get().pk
    response = _post(api_client(alpha, api_key_make(alpha, ["orders:write"])), _url(draft), _body(line_id))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "order_not_fulfillable"


def test_marking_delivered_delivers_once_and_refuses_cancelled(alpha):
    order, _lines = _order(alpha, 1)
    with schema_context(alpha.tenant.schema_name):
        fulfilment = ship(order, 1)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    url = f"{_url(order)}/{fulfilment.uuid}/delivered"
    response = _post(client, url, {})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "delivered" and response.json()["data"]["delivered_at"]
    assert _post(client, url, {}).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        assert Order.objects.get(pk=order.pk).status == "delivered"
    assert _post(client, url, {"delivered_at": "soon"}).status_code == 400
    assert _post(client, url, {"late": True}).status_code == 400


def test_a_read_key_cannot_ship_or_deliver(alpha):
    order, (line_id,) = _order(alpha, 2)
    with schema_context(alpha.tenant.schema_name):
        fulfilment = ship(order, 1)
    client = api_client(alpha, api_key_make(alpha, ["orders:read"]))
    assert client.get(_url(order)).status_code == 200
    for response in (
        _post(client, _url(order), _body(line_id, 1)),
        _post(client, f"{_url(order)}/{fulfilment.uuid}/delivered", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    with schema_context(alpha.tenant.schema_name):
        assert Fulfilment.objects.get(pk=fulfilment.pk).status == "shipped"
        assert Fulfilment.objects.filter(order=order).count() == 1


def test_another_stores_key_is_401_and_its_ids_are_404(alpha, beta):
    order, (line_id,) = _order(alpha, 2)
    with schema_context(alpha.tenant.schema_name):
        fulfilment = ship(order, 1)
    beta_key = api_key_make(beta)
    on_alpha = api_client(alpha, beta_key)
    assert on_alpha.get(_url(order)).status_code == 401
    assert _post(on_alpha, _url(order), _body(line_id, 1)).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(_url(order)).status_code == 404
    assert _post(on_beta, _url(order), _body(line_id, 1)).status_code == 404
    assert _post(on_beta, f"{_url(order)}/{fulfilment.uuid}/delivered", {}).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert Fulfilment.objects.filter(order=order).count() == 1


def test_a_shipment_of_another_order_is_404(alpha):
    order, _lines = _order(alpha, 1)
    other, _other_lines = _order(alpha, 1)
    with schema_context(alpha.tenant.schema_name):
        fulfilment = ship(other, 1)
    client = api_client(alpha, api_key_make(alpha, ["orders:write"]))
    assert _post(client, f"{_url(order)}/{fulfilment.uuid}/delivered", {}).status_code == 404


def test_the_shipment_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    order, _lines = _order(alpha, 30)
    client = api_client(alpha, api_key_make(alpha, ["orders:read"]))
    client.get(_url(order))  # warm: the key's last-used write happens once a minute
    counts = []
    for rows in (3, 30):
        with schema_context(alpha.tenant.schema_name):
            while Fulfilment.objects.filter(order=order).count() < rows:
                ship(order, 1)  # one unit of the order's one line of 30
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(order), {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == rows
        counts.append(len(queries))
    print(f"\nqueries at 3 and 30 rows: {counts}")
    assert counts[0] == counts[1] <= 10, counts
