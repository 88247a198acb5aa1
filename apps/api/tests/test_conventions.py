"""The API's conventions, through a real endpoint (`/api/v1/products`): envelope, pagination,
strict filters and ordering, keys (scopes, expiry, revocation, another store's key), errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.keys import api_key_revoke
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client, api_key_make
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products"


def _products(world, n: int) -> list:
    with schema_context(world.tenant.schema_name):
        return [make_product(f"Tee {i:03d}", sku_prefix=f"T{i:03d}") for i in range(n)]


def test_a_list_answers_the_envelope_with_pagination_meta(alpha):
    _products(alpha, 3)
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    body = client.get(LIST, {"per_page": 2}).json()
    assert body["error"] is None
    assert body["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    assert [p["title"] for p in body["data"]] == ["Tee 002", "Tee 001"]
    second = client.get(LIST, {"per_page": 2, "page": 2}).json()
    assert [p["title"] for p in second["data"]] == ["Tee 000"]
    past = client.get(LIST, {"per_page": 2, "page": 9}).json()
    assert past["data"] == [] and past["meta"]["total"] == 3


def test_a_detail_answers_the_envelope_and_404_in_it(alpha):
    (product,) = _products(alpha, 1)
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    body = client.get(f"{LIST}/{product.uuid}").json()
    assert body["error"] is None and body["data"]["id"] == str(product.uuid)
    assert body["data"]["variants"][0]["sku"].startswith("T000")
    missing = client.get(f"{LIST}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {
        "data": None,
        "error": {"code": "not_found", "message": missing.json()["error"]["message"]},
    }


def test_a_query_parameter_on_one_objects_endpoint_is_a_400_naming_it(alpha):
    (product,) = _products(alpha, 1)
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    response = client.get(f"{LIST}/{product.uuid}", {"fields": "title", "page": "2"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "fields": ["Unknown query parameter."],
        "page": ["Unknown query parameter."],
    }
    # access is decided first: without a key it is still a 401
    assert api_client(alpha).get(f"{LIST}/{product.uuid}", {"fields": "title"}).status_code == 401
    assert client.get(f"{LIST}/{product.uuid}").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"page": "abc"}, "page"),
        ({"colour": "red"}, "colour"),
        ({"status": "shiny"}, "status"),
        ({"ordering": "price"}, "ordering"),
        ({"updated_after": "yesterday"}, "updated_after"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(alpha, params, field):
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    response = client.get(LIST, params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == ApiErrorCode.VALIDATION_ERROR
    assert field in error["fields"]


def test_filters_and_ordering_work(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_product("Draft mug", sku_prefix="DM", status="draft", vendor="Acme")
        make_product("Active mug", sku_prefix="AM", vendor="Acme")
        make_product("Other", sku_prefix="OT", vendor="Zed")
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    titles = [p["title"] for p in client.get(LIST, {"vendor": "Acme", "ordering": "title"}).json()["data"]]
    assert titles == ["Active mug", "Draft mug"]
    assert [p["title"] for p in client.get(LIST, {"status": "draft"}).json()["data"]] == ["Draft mug"]


def test_paging_through_an_ordering_with_ties_returns_each_row_once(alpha):
    with schema_context(alpha.tenant.schema_name):
        for number in range(25):
            make_product("Same mug", sku_prefix=f"TIE{number:02d}")
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    for ordering in ("title", "-title"):
        seen = []
        for page in (1, 2, 3, 4, 5):
            response = client.get(LIST, {"ordering": ordering, "per_page": 6, "page": page})
            assert response.status_code == 200, response.json()
            seen += [product["id"] for product in response.json()["data"]]
        assert len(seen) == len(set(seen)) == 25, ordering


def test_asking_for_anything_but_json_is_a_406_with_its_own_code(alpha):
    client = api_client(alpha, api_key_make(alpha, ["products:read"]), HTTP_ACCEPT="application/xml")
    response = client.get(LIST)
    assert response.status_code == 406
    assert response.json()["error"]["code"] == ApiErrorCode.NOT_ACCEPTABLE


def test_without_a_key_the_admin_api_is_401_with_a_bearer_challenge(alpha):
    response = api_client(alpha).get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == ApiErrorCode.NOT_AUTHENTICATED


def test_a_key_of_store_a_is_unknown_on_store_b(alpha, beta):
    key = api_key_make(alpha, ["products:read"])
    assert api_client(alpha, key).get(LIST).status_code == 200
    response = api_client(beta, key).get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_INVALID


@pytest.mark.parametrize("credential", ["sk_nonsense", "sk_0123456789ab_wrong", "Basic abc", "sk_"])
def test_a_malformed_or_wrong_key_is_401(alpha, credential):
    response = api_client(alpha, HTTP_AUTHORIZATION=f"Bearer {credential}").get(LIST)
    assert response.status_code == 401


def test_an_expired_or_revoked_key_is_401_saying_which(alpha):
    expiring = api_key_make(alpha, ["products:read"], expires_at=timezone.now() + timedelta(minutes=1))
    revoked = api_key_make(alpha, ["products:read"])
    with schema_context(alpha.tenant.schema_name):
        ApiKey.objects.filter(prefix=expiring.split("_")[1]).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        api_key_revoke(key=ApiKey.objects.get(prefix=revoked.split("_")[1]), revoked_by=None)
    assert api_client(alpha, expiring).get(LIST).json()["error"]["code"] == ApiErrorCode.KEY_EXPIRED
    assert api_client(alpha, revoked).get(LIST).json()["error"]["code"] == ApiErrorCode.KEY_REVOKED


def test_a_key_without_the_scope_is_403_naming_it(alpha):
    response = api_client(alpha, api_key_make(alpha, ["orders:read"])).get(LIST)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == ApiErrorCode.SCOPE_MISSING and "products:read" in error["message"]


def test_a_key_follows_its_creators_role_and_removal(alpha):
    key = api_key_make(alpha, ["products:read"], role="staff")
    client = api_client(alpha, key)
    assert client.get(LIST).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        creator = ApiKey.objects.get(prefix=key.split("_")[1]).created_by
        assert creator is not None
        creator.is_active = False
        creator.save(update_fields=["is_active"])
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == ApiErrorCode.KEY_OWNER_INACTIVE


def test_using_a_key_records_when_and_from_where(alpha):
    key = api_key_make(alpha, ["products:read"])
    api_client(alpha, key, REMOTE_ADDR="203.0.113.7").get(LIST)
    with schema_context(alpha.tenant.schema_name):
        stored = ApiKey.objects.get(prefix=key.split("_")[1])
    assert stored.last_used_at is not None and stored.last_used_ip == "203.0.113.7"
    assert key not in (stored.secret_hash, stored.prefix)


def test_an_unknown_api_path_is_a_404_in_the_envelope(alpha):
    response = api_client(alpha).get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_writes_to_a_read_only_endpoint_are_405_in_the_envelope(alpha):
    response = api_client(alpha, api_key_make(alpha)).put(LIST, {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == ApiErrorCode.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("rows", [10, 60])
def test_the_product_list_costs_the_same_queries_at_any_size(alpha, rows):
    _products(alpha, rows)
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    client.get(LIST)  # warm: the key's last-used write happens once a minute
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"per_page": 50})
    assert response.status_code == 200 and len(response.json()["data"]) == min(rows, 50)
    assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]


def test_a_write_to_an_unknown_api_path_is_a_404_in_the_envelope_not_a_csrf_page(alpha):
    from django.test import Client

    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.post("/api/v1/products/not-a-uuid", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
