"""The purchase order endpoints of the admin API (`/api/v1/purchase-orders`): reading supplier
orders and the dashboard's actions on them, through the real URLs with a key."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.api.errors import ApiErrorCode
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client, api_key_make
from apps.purchasing.models import PurchaseOrder, PurchaseOrderShipment
from apps.purchasing.tests.factories import manual_supplier, po_row
from apps.sourcing.models import Supplier
from apps.sourcing.tests.factories import make_supplier

pytestmark = pytest.mark.django_db

POS = "/api/v1/purchase-orders"


def _post(client: Any, path: str, body: Any = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def _in(world: Any, make: Any, *args: Any, **kwargs: Any) -> Any:
    with schema_context(world.tenant.schema_name):
        return make(*args, **kwargs)


def _demoted_key(world: Any, scopes: list[str], role: str) -> str:
    """A key created by an owner who has since been given `role`: it may do only what the role may."""
    key = api_key_make(world, scopes)
    with schema_context(world.tenant.schema_name):
        creator = ApiKey.objects.filter(prefix=key.split("_")[1]).values("created_by_id")
        User.objects.filter(pk__in=creator).update(store_role=role)
    return key


def _stored(world: Any, po: PurchaseOrder) -> PurchaseOrder:
    with schema_context(world.tenant.schema_name):
        return PurchaseOrder.objects.select_related("approved_by").get(pk=po.pk)


def _api_supplier() -> Supplier:
    return make_supplier(
        name="Dropship Co",
        code="dropco",
        connector=Supplier.Connector.DROPSHIP_API,
        connector_config={
            "base_url": "https://api.dropship.example.com",
            "app_key": "key-1234",
            "app_secret": "secret-5678",
            "ship_to_country": "DE",
        },
    )


def _shipped_po() -> PurchaseOrder:
    po = po_row(status="shipped", shipping_cost=Decimal("2.5"))
    PurchaseOrderShipment.objects.create(purchase_order=po, tracking_number="LX123456789DE", carrier="DHL")
    return po


def test_a_purchase_order_is_listed_and_read_with_lines_costs_and_tracking(alpha):
    po = _in(alpha, _shipped_po)
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:read"]))

    listed = client.get(POS)
    assert listed.status_code == 200, listed.content
    assert listed.json()["meta"]["total"] == 1
    data = client.get(f"{POS}/PO-{po.pk}").json()["data"]
    assert data == listed.json()["data"][0]
    assert data["id"] == f"PO-{po.pk}" and data["status"] == "shipped"
    assert data["order"] == {"id": str(po.order.uuid), "number": po.order.number}
    assert data["supplier"] == {"code": "rows", "name": "Manual rows"}
    assert data["supplier_order_id"] == po.supplier_order_id and data["supplier_order_id"]
    assert (data["cost"], data["shipping_cost"], data["currency"]) == ("4.00", "2.50", "EUR")
    assert data["lines"] == [
        {
            "title": "Row item",
            "sku": "",
            "supplier_sku": "R-1",
            "supplier_product_id": "",
            "quantity": 1,
            "unit_cost": "4.00",
        }
    ]
    assert [(s["tracking_number"], s["carrier"]) for s in data["shipments"]] == [("LX123456789DE", "DHL")]
    assert data["last_error"] is None


def test_the_list_filters_by_status_supplier_and_order(alpha):
    def make() -> tuple[PurchaseOrder, PurchaseOrder]:
        first = po_row(status="needs_attention", last_error_code="po_no_address")
        second = po_row(status="placed", supplier=manual_supplier("other"))
        return first, second

    first, second = _in(alpha, make)
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:read"]))

    def ids(**params: Any) -> list[str]:
        response = client.get(POS, params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["data"]]

    assert ids(status="needs_attention") == [f"PO-{first.pk}"]
    assert ids(supplier="other") == [f"PO-{second.pk}"]
    assert ids(order=first.order.number) == [f"PO-{first.pk}"]
    assert ids(ordering="created_at") == [f"PO-{first.pk}", f"PO-{second.pk}"]
    error = client.get(f"{POS}/PO-{first.pk}").json()["data"]["last_error"]
    assert error["code"] == "po_no_address" and error["message"]


def test_approving_sends_or_readies_an_order_held_for_approval(alpha, django_capture_on_commit_callbacks):
    manual = _in(alpha, po_row, status="awaiting_approval")
    by_api = _in(alpha, lambda: po_row(status="awaiting_approval", supplier=_api_supplier()))
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:write"]))

    response = _post(client, f"{POS}/PO-{manual.pk}/approve")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "to_place_manually"
    assert _stored(alpha, manual).approved_by is not None

    with django_capture_on_commit_callbacks() as callbacks:
        sent = _post(client, f"{POS}/PO-{by_api.pk}/approve")
    assert sent.json()["data"]["status"] == "queued"
    assert callbacks, "approving an API supplier's order queues its placement"

    again = _post(client, f"{POS}/PO-{manual.pk}/approve")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "po_not_allowed"


def test_retry_cancel_and_mark_placed(alpha):
    attention = _in(alpha, po_row, status="needs_attention")
    to_cancel = _in(alpha, po_row, status="to_place_manually")
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:write"]))

    retried = _post(client, f"{POS}/PO-{attention.pk}/retry")
    assert retried.status_code == 200 and retried.json()["data"]["status"] == "to_place_manually"
    assert retried.json()["data"]["attempts"] == 0

    placed = _post(
        client,
        f"{POS}/PO-{attention.pk}/mark-placed",
        {"supplier_order_id": " SO-88121 ", "cost": "12.40", "shipping_cost": "3"},
    )
    assert placed.status_code == 200, placed.content
    data = placed.json()["data"]
    assert (data["status"], data["supplier_order_id"], data["cost"], data["shipping_cost"]) == (
        "placed",
        "SO-88121",
        "12.40",
        "3.00",
    )
    assert data["placed_at"]

    cancelled = _post(client, f"{POS}/PO-{to_cancel.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"
    refused = _post(client, f"{POS}/PO-{to_cancel.pk}/retry")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "po_not_allowed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "supplier_order_id"),
        ({"supplier_order_id": "   "}, "supplier_order_id"),
        ({"supplier_order_id": "SO-1", "cost": "-1"}, "cost"),
        ({"supplier_order_id": "SO-1", "cost": "cheap"}, "cost"),
        ({"supplier_order_id": "SO-1", "shipping_cost": "1e40"}, "shipping_cost"),
        ({"supplier_order_id": "SO-1", "tracking": "X"}, "tracking"),
        ({"supplier_order_id": ["SO-1"]}, "supplier_order_id"),
    ],
)
def test_bad_mark_placed_bodies_are_400s_naming_the_field(alpha, body, field):
    po = _in(alpha, po_row, status="to_place_manually")
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:write"]))
    response = _post(client, f"{POS}/PO-{po.pk}/mark-placed", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert _stored(alpha, po).status == "to_place_manually"


@pytest.mark.parametrize("reference", ["12", "PO-", "PO-abc", "PO-0", "po-1", "PO-99999999"])
def test_unknown_references_are_404s(alpha, reference):
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:write"]))
    assert client.get(f"{POS}/{reference}").status_code == 404
    assert _post(client, f"{POS}/{reference}/approve").status_code == 404


def test_bad_filters_are_400s(alpha):
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:read"]))
    for params in (
        {"status": "lost"},
        {"order": "abc"},
        {"order": "-3"},
        {"colour": "red"},
        {"ordering": "cost"},
    ):
        response = client.get(POS, params)
        assert response.status_code == 400, (params, response.content)
        assert set(response.json()["error"]["fields"]) == set(params)


def test_a_read_key_cannot_act_on_purchase_orders(alpha):
    po = _in(alpha, po_row, status="awaiting_approval")
    reader = api_client(alpha, api_key_make(alpha, ["purchase_orders:read"]))
    assert reader.get(f"{POS}/PO-{po.pk}").status_code == 200
    for action in ("approve", "retry", "cancel", "mark-placed"):
        response = _post(reader, f"{POS}/PO-{po.pk}/{action}", {"supplier_order_id": "SO-1"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    assert _stored(alpha, po).status == "awaiting_approval"
    # a finance member reads orders but does not manage purchase orders
    finance = api_client(alpha, _demoted_key(alpha, ["purchase_orders:write"], "finance"))
    assert finance.get(POS).status_code == 200
    assert _post(finance, f"{POS}/PO-{po.pk}/approve").status_code == 403


def test_purchase_orders_do_not_cross_stores(alpha, beta):
    po = _in(alpha, po_row, status="awaiting_approval")
    beta_key = api_key_make(beta)
    assert api_client(alpha, beta_key).get(POS).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(POS).json()["meta"]["total"] == 0
    assert on_beta.get(f"{POS}/PO-{po.pk}").status_code == 404
    for action in ("approve", "retry", "cancel"):
        assert _post(on_beta, f"{POS}/PO-{po.pk}/{action}").status_code == 404
    assert _stored(alpha, po).status == "awaiting_approval"


def _rows(n: int) -> None:
    for _i in range(n):
        _shipped_po()


def test_the_purchase_order_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["purchase_orders:read"]))
    counts = []
    for n in (3, 27):
        _in(alpha, _rows, n)
        client.get(POS)  # warm: the key's last-used write happens once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(POS, {"per_page": 50})
        assert response.status_code == 200
        assert all(len(p["lines"]) == 1 and len(p["shipments"]) == 1 for p in response.json()["data"])
        counts.append(len(queries))
    assert len(response.json()["data"]) == 30
    assert counts[0] == counts[1] <= 10, counts
