"""The inventory's admin API: locations, stock levels and adjustments through the real URLs with
a key; adjustments go through `stock_adjust`, so stock never goes below what is reserved; bad
input is a 400 naming the field; a read key cannot adjust; another store's key or SKUs find
nothing; lists cost the same queries at any size."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.tests.factories import api_client, api_key_make
from apps.inventory.models import StockLevel, StockMovement
from apps.inventory.services import inventory_reserve, stock_adjust
from apps.inventory.tests.factories import location_make, variant_make

pytestmark = pytest.mark.django_db

LOCATIONS = "/api/v1/inventory/locations"
LEVELS = "/api/v1/inventory/stock-levels"
ADJUST = "/api/v1/inventory/adjustments"
JSON = "application/json"


@pytest.fixture
def stocked(alpha):  # type: ignore[no-untyped-def]
    """Store alpha with two locations and one variant holding 10 at `main`."""
    with schema_context(alpha.tenant.schema_name):
        main = location_make(code="main", name="Main", priority=1)
        location_make(code="spare", name="Spare", priority=2)
        variant = variant_make(sku="TEE-1")
        stock_adjust(variant=variant, location=main, delta=10, reason="count")
    return variant


@pytest.fixture
def writer(alpha):  # type: ignore[no-untyped-def]
    return api_client(alpha, api_key_make(alpha, ["inventory:write"]))


def _adjust(client, headers=None, **body):  # type: ignore[no-untyped-def]
    data = {"sku": "TEE-1", "location": "main", "reason": "test", **body}
    return client.post(ADJUST, data, content_type=JSON, **(headers or {}))


def _error(response) -> Any:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    return response.json()["error"]  # type: ignore[no-any-return]


def test_locations_are_listed_with_their_totals(alpha, stocked, writer):
    body = writer.get(LOCATIONS).json()
    assert [(row["code"], row["on_hand_total"], row["variant_count"]) for row in body["data"]] == [
        ("main", 10, 1),
        ("spare", 0, 0),
    ]
    assert body["meta"]["total"] == 2
    assert [row["code"] for row in writer.get(LOCATIONS, {"ordering": "-priority"}).json()["data"]] == [
        "spare",
        "main",
    ]


def test_stock_levels_are_filtered_by_sku_and_location(alpha, stocked, writer):
    with schema_context(alpha.tenant.schema_name):
        other = variant_make(sku="MUG-1")
        from apps.inventory.models import Location

        stock_adjust(variant=other, location=Location.objects.get(code="spare"), delta=4, reason="count")
    everything = writer.get(LEVELS).json()["data"]
    assert [(row["sku"], row["location"], row["on_hand"]) for row in everything] == [
        ("MUG-1", "spare", 4),
        ("TEE-1", "main", 10),
    ]
    by_sku = writer.get(LEVELS, {"sku": "TEE-1"}).json()["data"]
    assert [(row["sku"], row["available"], row["product_id"]) for row in by_sku] == [
        ("TEE-1", 10, str(stocked.product.uuid))
    ]
    assert [row["sku"] for row in writer.get(LEVELS, {"location": "spare"}).json()["data"]] == ["MUG-1"]
    assert writer.get(LEVELS, {"location": "nowhere"}).json()["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"warehouse": "main"}, "warehouse"),
        ({"ordering": "sku"}, "ordering"),
        ({"product_id": "x"}, "product_id"),
    ],
)
def test_bad_stock_level_filters_are_a_400(alpha, writer, params, field):
    assert field in _error(writer.get(LEVELS, params))["fields"]


@pytest.mark.parametrize("value", ["banana", "1", "yes"])
def test_a_location_filter_that_is_not_true_or_false_is_a_400(alpha, writer, value):
    assert "is_active" in _error(writer.get(LOCATIONS, {"is_active": value}))["fields"]
    assert writer.get(LOCATIONS, {"is_active": "false"}).status_code == 200


def test_an_adjustment_changes_stock_through_the_service(alpha, stocked, writer):
    response = _adjust(writer, delta=5, kind="received", reason="Delivery 4711")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["sku"], data["location"], data["on_hand"], data["available"]) == ("TEE-1", "main", 15, 15)
    removed = _adjust(writer, delta=-3)
    assert removed.status_code == 201 and removed.json()["data"]["on_hand"] == 12
    with schema_context(alpha.tenant.schema_name):
        movement = StockMovement.objects.filter(stock__variant=stocked).order_by("-id").first()
        received = StockMovement.objects.get(reason="Delivery 4711")
    assert movement is not None and movement.on_hand_delta == -3 and movement.actor is not None
    assert received.kind == "received"


def test_an_adjustment_at_a_new_location_creates_the_level(alpha, stocked, writer):
    response = _adjust(writer, location="spare", delta=2)
    assert response.status_code == 201 and response.json()["data"]["on_hand"] == 2


def test_stock_never_goes_below_what_is_reserved(alpha, stocked, writer):
    with schema_context(alpha.tenant.schema_name):
        inventory_reserve(variant=stocked, quantity=4, reference="cart-1")
    error = _error(_adjust(writer, delta=-7))
    assert error["code"] == "insufficient_stock" and "delta" in error["fields"]
    assert error["params"]["available"] == 6
    assert _error(_adjust(writer, delta=-11))["code"] == "insufficient_stock"
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": "ten"}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"delta": 10**12}, "delta"),
        ({"delta": None}, "delta"),
        ({"delta": 1, "sku": "NOPE"}, "sku"),
        ({"delta": 1, "location": "nowhere"}, "location"),
        ({"delta": 1, "location": "../x"}, "location"),
        ({"delta": 1, "reason": ""}, "reason"),
        ({"delta": 1, "kind": "committed"}, "kind"),
        ({"delta": -2, "kind": "received"}, "delta"),  # goods received only add
        ({"delta": 1, "quantity": 3}, "quantity"),
    ],
)
def test_bad_adjustments_are_a_400_naming_the_field(alpha, stocked, writer, body, field):
    error = _error(_adjust(writer, **body))
    assert field in error["fields"], error
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 10


def test_a_missing_body_field_is_a_400(alpha, stocked, writer):
    error = _error(writer.post(ADJUST, {"sku": "TEE-1"}, content_type=JSON))
    assert {"location", "delta", "reason"} <= set(error["fields"])


def test_a_replayed_adjustment_adjusts_once(alpha, stocked, writer):
    first = _adjust(writer, delta=2, headers={"HTTP_IDEMPOTENCY_KEY": "adj-1"})
    replay = _adjust(writer, delta=2, headers={"HTTP_IDEMPOTENCY_KEY": "adj-1"})
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    reused = _adjust(writer, delta=3, headers={"HTTP_IDEMPOTENCY_KEY": "adj-1"})
    assert reused.status_code == 422 and reused.json()["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 12


# ------------------------------------------------------------------------------ scopes
def test_a_read_key_reads_but_cannot_adjust(alpha, stocked):
    reader = api_client(alpha, api_key_make(alpha, ["inventory:read"]))
    assert reader.get(LOCATIONS).status_code == 200 and reader.get(LEVELS).status_code == 200
    response = _adjust(reader, delta=1)
    assert response.status_code == 403 and response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 10


def test_a_products_key_cannot_touch_inventory(alpha, stocked):
    client = api_client(alpha, api_key_make(alpha, ["products:write"]))
    assert client.get(LEVELS).status_code == 403
    assert _adjust(client, delta=1).status_code == 403


def test_a_finance_members_key_cannot_adjust_even_with_the_scope(alpha, stocked):
    """Finance may view inventory but not adjust it; a key never does more than its creator."""
    client = api_client(alpha, api_key_make(alpha, ["inventory:read"], role="finance"))
    assert client.get(LEVELS).status_code == 200
    assert _adjust(client, delta=1).status_code == 403


# ------------------------------------------------------------------------------ tenant isolation
def test_another_stores_key_is_401(alpha, beta, stocked):
    intruder = api_client(alpha, api_key_make(beta))
    for url in (LOCATIONS, LEVELS):
        response = intruder.get(url)
        assert response.status_code == 401 and response.json()["error"]["code"] == ApiErrorCode.KEY_INVALID
    assert _adjust(intruder, delta=1).status_code == 401
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 10


def test_another_stores_stock_is_invisible_and_unchangeable(alpha, beta, stocked):
    beta_client = api_client(beta, api_key_make(beta))
    assert beta_client.get(LOCATIONS).json()["data"] == []
    assert beta_client.get(LEVELS, {"sku": "TEE-1"}).json()["data"] == []
    assert "sku" in _error(_adjust(beta_client, delta=1))["fields"]
    with schema_context(alpha.tenant.schema_name):
        assert StockLevel.objects.get(variant=stocked).on_hand == 10


# ------------------------------------------------------------------------------ query counts
@pytest.mark.parametrize("url", [LOCATIONS, LEVELS])
def test_lists_cost_the_same_queries_at_3_and_30_rows(alpha, url):
    client = api_client(alpha, api_key_make(alpha, ["inventory:read"]))
    counts = []
    for size, start in ((3, 0), (30, 3)):
        with schema_context(alpha.tenant.schema_name):
            for i in range(start, size):
                location = location_make(code=f"loc-{i:03d}")
                stock_adjust(
                    variant=variant_make(sku=f"Q-{i:03d}"), location=location, delta=i + 1, reason="count"
                )
        client.get(url)  # warm: the key's last-used write happens once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == size
        counts.append(len(queries))
    print(f"\n{url}: queries at 3 and 30 rows: {counts}")
    assert counts[0] == counts[1] and counts[0] <= 10, counts


@pytest.mark.parametrize(("url", "param"), [(LEVELS, "sku"), (LEVELS, "location"), (LOCATIONS, "kind")])
def test_a_nul_byte_in_a_filter_is_a_400(alpha, writer, url, param):
    assert param in _error(writer.get(url, {param: "a\x00b"}))["fields"]
