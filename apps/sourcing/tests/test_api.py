"""The supplier endpoints of the admin API (`/api/v1/suppliers`): through the real URLs with a
key. Credentials go in and never come out; setting them takes `sourcing.credentials`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.tests.factories import api_client, api_key_make
from apps.sourcing.models import Supplier, SupplierOffer
from apps.sourcing.tests.factories import make_supplier

pytestmark = pytest.mark.django_db

SUPPLIERS = "/api/v1/suppliers"
APP_KEY, APP_SECRET, TOKEN = "key-4711-abcd", "secret-very-9f8e7d", "token-5c4b3a2910"
API_SUPPLIER: dict[str, Any] = {
    "name": "Dropship Co",
    "code": "dropco",
    "connector": "dropship_api",
    "connector_config": {
        "base_url": "https://api.dropship.example.com",
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "access_token": TOKEN,
        "product_ids": ["1005001234567890", "https://www.aliexpress.com/item/1005009876543210.html"],
        "ship_to_country": "de",
    },
}


def _post(client: Any, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _patch(client: Any, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def _in(world: Any, make: Any, *args: Any, **kwargs: Any) -> Any:
    with schema_context(world.tenant.schema_name):
        return make(*args, **kwargs)


def _stored(world: Any, code: str) -> Supplier:
    with schema_context(world.tenant.schema_name):
        return Supplier.objects.get(code=code)


def _no_secrets(response: Any) -> None:
    text = response.content.decode()
    for secret in (APP_KEY, APP_SECRET, TOKEN):
        assert secret not in text


def test_a_feed_supplier_is_created_read_and_listed(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    response = _post(
        client,
        SUPPLIERS,
        {
            "name": "Acme Wholesale",
            "code": "acme",
            "connector": "csv_feed",
            "connector_config": {"feed_url": "https://feeds.example.com/acme.csv"},
            "lead_time_days": 5,
            "ships_to_countries": ["de", "AT", "DE"],
            "contact_email": "sales@acme.example.com",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["code"] == "acme" and data["connector"] == "csv_feed" and data["lead_time_days"] == 5
    assert data["connector_config"] == {"feed_url": "https://feeds.example.com/acme.csv"}
    assert data["ships_to_countries"] == ["AT", "DE"] and data["offer_count"] == 0
    assert data["credentials"] == {"app_key": False, "app_secret": False, "access_token": False}
    assert client.get(f"{SUPPLIERS}/acme").json()["data"] == data
    listed = client.get(SUPPLIERS, {"connector": "csv_feed"}).json()
    assert listed["meta"]["total"] == 1 and listed["data"][0]["code"] == "acme"


def test_api_credentials_are_stored_and_never_answered(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))  # an owner's key
    created = _post(client, SUPPLIERS, API_SUPPLIER)
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["credentials"] == {"app_key": True, "app_secret": True, "access_token": True}
    assert data["connector_config"]["base_url"] == "https://api.dropship.example.com"
    assert data["connector_config"]["product_ids"] == ["1005001234567890", "1005009876543210"]
    assert data["connector_config"]["ship_to_country"] == "DE"
    stored = _stored(alpha, "dropco").connector_config
    assert (stored["app_key"], stored["app_secret"], stored["access_token"]) == (APP_KEY, APP_SECRET, TOKEN)
    for response in (created, client.get(SUPPLIERS), client.get(f"{SUPPLIERS}/dropco")):
        _no_secrets(response)

    # a change without secrets keeps them; an empty secret keeps the stored one
    changed = _patch(
        client, f"{SUPPLIERS}/dropco", {"name": "Dropship Company", "connector_config": {"app_secret": ""}}
    )
    assert changed.status_code == 200, changed.content
    _no_secrets(changed)
    stored = _stored(alpha, "dropco").connector_config
    assert stored["app_secret"] == APP_SECRET and stored["app_key"] == APP_KEY
    rotated = _patch(client, f"{SUPPLIERS}/dropco", {"connector_config": {"app_secret": "new-secret-1234"}})
    assert rotated.status_code == 200 and "new-secret-1234" not in rotated.content.decode()
    assert _stored(alpha, "dropco").connector_config["app_secret"] == "new-secret-1234"


def test_a_sync_error_never_repeats_a_secret(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    _post(client, SUPPLIERS, API_SUPPLIER)
    with schema_context(alpha.tenant.schema_name):
        Supplier.objects.filter(code="dropco").update(
            last_sync_error=f"GET https://api.dropship.example.com/sync?access_token={TOKEN} failed"
        )
    response = client.get(f"{SUPPLIERS}/dropco")
    _no_secrets(response)
    assert "[redacted]" in response.json()["data"]["last_sync_error"]


def test_credentials_take_the_credentials_permission(alpha):
    """A staff member manages suppliers but not their keys (`sourcing.credentials`): so does
    their API key, and the base URL stays hidden from it."""
    owner = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    _post(owner, SUPPLIERS, API_SUPPLIER)
    staff = api_client(alpha, api_key_make(alpha, ["suppliers:write"], role="staff"))

    refused = [
        _post(staff, SUPPLIERS, {**API_SUPPLIER, "code": "other"}),
        _patch(staff, f"{SUPPLIERS}/dropco", {"connector_config": {"app_secret": "mine-now-1234"}}),
        _patch(staff, f"{SUPPLIERS}/dropco", {"connector": "manual"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == ApiErrorCode.PERMISSION_DENIED
    assert _stored(alpha, "dropco").connector_config["app_secret"] == APP_SECRET

    allowed = _patch(staff, f"{SUPPLIERS}/dropco", {"lead_time_days": 12})
    assert allowed.status_code == 200, allowed.content
    assert "base_url" not in allowed.json()["data"]["connector_config"]
    _no_secrets(allowed)
    assert _stored(alpha, "dropco").connector_config["app_secret"] == APP_SECRET


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x"}, "name"),
        ({"name": "X"}, "code"),
        ({"name": "X", "code": "not a slug"}, "code"),
        ({"name": "X", "code": "x", "connector": "carrier_pigeon"}, "connector"),
        ({"name": "X", "code": "x", "lead_time_days": -1}, "lead_time_days"),
        ({"name": "X", "code": "x", "lead_time_days": "soon"}, "lead_time_days"),
        ({"name": "X", "code": "x", "ships_from_country": "Germany"}, "ships_from_country"),
        ({"name": "X", "code": "x", "ships_to_countries": ["D1"]}, "ships_to_countries"),
        ({"name": "X", "code": "x", "ships_to_countries": "DE"}, "ships_to_countries"),
        ({"name": "X", "code": "x", "contact_email": "nope"}, "contact_email"),
        ({"name": "X", "code": "x", "website": "https://" + "a" * 300 + ".com"}, "website"),
        ({"name": "X", "code": "x", "password": "hunter2"}, "password"),
        ({"name": "X", "code": "x", "connector": "csv_feed"}, "connector_config.feed_url"),
        (
            {
                "name": "X",
                "code": "x",
                "connector": "csv_feed",
                "connector_config": {"feed_url": "http://127.0.0.2/f"},
            },
            "connector_config.feed_url",
        ),
        (
            {
                "name": "X",
                "code": "x",
                "connector": "csv_feed",
                "connector_config": {"feed_url": "x", "token": 1},
            },
            "connector_config.token",
        ),
        (
            {"name": "X", "code": "x", "connector": "csv_feed", "connector_config": {"colour": "red"}},
            "connector_config.colour",
        ),
        (
            {
                **API_SUPPLIER,
                "connector_config": {**API_SUPPLIER["connector_config"], "product_ids": ["junk!"]},
            },
            "connector_config.product_ids",
        ),
        (
            {
                **API_SUPPLIER,
                "connector_config": {**API_SUPPLIER["connector_config"], "ship_to_country": "D"},
            },
            "connector_config.ship_to_country",
        ),
        (
            {**API_SUPPLIER, "connector_config": {"base_url": "https://api.example.com"}},
            "connector_config.app_key",
        ),
    ],
)
def test_bad_supplier_bodies_are_400s_naming_the_field(alpha, body, field):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    response = _post(client, SUPPLIERS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with schema_context(alpha.tenant.schema_name):
        assert not Supplier.objects.exists()


def test_a_taken_code_is_a_400(alpha):
    _in(alpha, make_supplier, code="acme")
    _in(alpha, make_supplier, name="Other", code="other")
    client = api_client(alpha, api_key_make(alpha, ["suppliers:write"]))
    created = _post(client, SUPPLIERS, {"name": "Again", "code": "ACME"})
    assert created.status_code == 400 and "code" in created.json()["error"]["fields"]
    renamed = _patch(client, f"{SUPPLIERS}/other", {"code": "acme"})
    assert renamed.status_code == 400 and "code" in renamed.json()["error"]["fields"]


def test_unknown_filters_and_ordering_are_400s(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:read"]))
    for params in ({"colour": "red"}, {"connector": "fax"}, {"is_active": "perhaps"}, {"ordering": "notes"}):
        response = client.get(SUPPLIERS, params)
        assert response.status_code == 400 and set(response.json()["error"]["fields"]) == set(params)


def test_a_read_key_cannot_write_suppliers(alpha):
    _in(alpha, make_supplier, code="acme")
    reader = api_client(alpha, api_key_make(alpha, ["suppliers:read"]))
    assert reader.get(f"{SUPPLIERS}/acme").status_code == 200
    for response in (
        _post(reader, SUPPLIERS, {"name": "New", "code": "new"}),
        _patch(reader, f"{SUPPLIERS}/acme", {"name": "Renamed"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    assert _stored(alpha, "acme").name == "Acme Wholesale"
    assert api_client(alpha, api_key_make(alpha, ["orders:read"])).get(SUPPLIERS).status_code == 403


def test_suppliers_do_not_cross_stores(alpha, beta):
    _in(alpha, make_supplier, code="alpha-only")
    beta_key = api_key_make(beta)
    assert api_client(alpha, beta_key).get(SUPPLIERS).status_code == 401
    on_beta = api_client(beta, beta_key)
    assert on_beta.get(SUPPLIERS).json()["meta"]["total"] == 0
    assert on_beta.get(f"{SUPPLIERS}/alpha-only").status_code == 404
    assert _patch(on_beta, f"{SUPPLIERS}/alpha-only", {"name": "Stolen"}).status_code == 404
    assert _stored(alpha, "alpha-only").name == "Acme Wholesale"


def _suppliers(n: int, start: int) -> None:
    for i in range(start, start + n):
        supplier = make_supplier(name=f"Supplier {i:03d}", code=f"s{i:03d}")
        SupplierOffer.objects.create(supplier=supplier, supplier_sku=f"SKU-{i}", cost="1.00")


def test_the_supplier_list_costs_the_same_queries_at_3_and_30_rows(alpha):
    client = api_client(alpha, api_key_make(alpha, ["suppliers:read"]))
    counts = []
    for n, start in ((3, 0), (27, 100)):
        _in(alpha, _suppliers, n, start)
        client.get(SUPPLIERS)  # warm: the key's last-used write happens once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SUPPLIERS, {"per_page": 50})
        assert response.status_code == 200
        assert all(s["offer_count"] == 1 for s in response.json()["data"])
        counts.append(len(queries))
    assert len(response.json()["data"]) == 30
    assert counts[0] == counts[1] <= 10, counts
