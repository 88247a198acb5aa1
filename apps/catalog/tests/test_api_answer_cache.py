"""`/api/v1/products` answers a repeated query from the answer kept for it while the store's
catalog has not changed, and only to a caller who passes the key, scope and rate checks; any
change to what the list shows is in the next answer, and one store's answer is never another's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.api.errors import ApiErrorCode
from apps.api.keys import api_key_revoke
from apps.api.models import ApiKey
from apps.api.tests.factories import api_client, api_key_make
from apps.billing.limits import merchant_plan_for
from apps.catalog import services
from apps.catalog.models import Category, ProductVariant
from apps.catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products"
JSON = "application/json"


def _in(world, fn, *args, **kwargs):
    with schema_context(world.tenant.schema_name):
        return fn(*args, **kwargs)


@pytest.fixture
def reader(alpha):
    return api_client(alpha, api_key_make(alpha, ["products:read"]))


def _catalog_queries(client, params=None) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params or {})
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries if "catalog_" in q["sql"]]


def test_a_repeated_query_is_answered_from_the_kept_answer(alpha, reader):
    _in(alpha, make_product, "Mug", sku_prefix="MUG")
    first, built = _catalog_queries(reader)
    assert built  # the first answer is read from the catalog
    again, kept = _catalog_queries(reader)
    assert kept == [] and again == first
    # another query string is another answer
    other, built_again = _catalog_queries(reader, {"per_page": 5})
    assert built_again and other["meta"]["per_page"] == 5


def test_every_change_the_list_shows_is_in_the_next_answer(alpha, reader):
    writer = api_client(alpha, api_key_make(alpha, ["products:write"]))
    product = _in(alpha, make_product, "Mug", sku_prefix="MUG", variants=2)
    assert [p["title"] for p in reader.get(LIST).json()["data"]] == ["Mug"]

    # through the API
    assert writer.patch(f"{LIST}/{product.uuid}", {"title": "Cup"}, content_type=JSON).status_code == 200
    assert reader.get(LIST).json()["data"][0]["title"] == "Cup"

    # a variant saved on its own (a supplier's new cost re-prices it)
    with schema_context(alpha.tenant.schema_name):
        variant = ProductVariant.objects.filter(product=product).order_by("position", "id").first()
        assert variant is not None
        services.variant_cost_price_set(
            variant=variant, cost=Decimal("3.00"), price=Decimal("9.50"), compare_at_price=None
        )
    assert reader.get(LIST).json()["data"][0]["variants"][0]["price"].startswith("9.50")

    # many products at once (bulk paths write without model signals)
    _in(alpha, services.products_bulk_update, product_ids=[product.pk], add_tags=["sale"])
    assert reader.get(LIST).json()["data"][0]["tags"] == ["sale"]

    # the product's category, then the category's name
    category = _in(alpha, services.category_save, category=Category(), name="Kitchen", parent=None)
    changed = writer.patch(f"{LIST}/{product.uuid}", {"category": category.slug}, content_type=JSON)
    assert changed.status_code == 200, changed.content
    assert reader.get(LIST).json()["data"][0]["category"]["name"] == "Kitchen"
    _in(alpha, services.category_save, category=category, name="Kitchenware", parent=None)
    assert reader.get(LIST).json()["data"][0]["category"]["name"] == "Kitchenware"


def test_pagination_totals_follow_creates_and_deletes(alpha, reader):
    made = [_in(alpha, make_product, f"Tee {i}", sku_prefix=f"T{i}") for i in range(3)]
    assert reader.get(LIST, {"per_page": 2}).json()["meta"] == {
        "total": 3,
        "page": 1,
        "per_page": 2,
        "pages": 2,
    }
    _in(alpha, make_product, "Tee 3", sku_prefix="T3")
    assert reader.get(LIST, {"per_page": 2}).json()["meta"]["total"] == 4
    _in(alpha, services.products_bulk_delete, product_ids=[made[0].pk, made[1].pk])
    body = reader.get(LIST, {"per_page": 2}).json()
    assert body["meta"] == {"total": 2, "page": 1, "per_page": 2, "pages": 1}
    assert [p["title"] for p in body["data"]] == ["Tee 3", "Tee 2"]


def test_a_kept_answer_of_store_a_is_never_served_on_store_b(alpha, beta, reader):
    _in(alpha, make_product, "Alpha mug", sku_prefix="AM")
    _in(beta, make_product, "Beta mug", sku_prefix="BM")
    assert [p["title"] for p in reader.get(LIST).json()["data"]] == ["Alpha mug"]
    assert [p["title"] for p in reader.get(LIST).json()["data"]] == ["Alpha mug"]  # kept now
    on_beta = api_client(beta, api_key_make(beta, ["products:read"]))
    assert [p["title"] for p in on_beta.get(LIST).json()["data"]] == ["Beta mug"]
    # alpha's key on beta's host is still refused, kept answer or not
    refused = api_client(beta, reader.defaults["HTTP_AUTHORIZATION"].split()[1]).get(LIST)
    assert refused.status_code == 401


def test_a_kept_answer_is_served_only_after_the_key_scope_and_rate_pass(alpha, monkeypatch):
    monkeypatch.setattr("apps.api.access.time.time", lambda: 1_800_000_030.0)  # mid-minute, fixed
    merchant_plan = merchant_plan_for(merchant=alpha.merchant)
    merchant_plan.limit_overrides = {**(merchant_plan.limit_overrides or {}), "api_requests_per_minute": 3}
    merchant_plan.save(update_fields=["limit_overrides"])
    _in(alpha, make_product, "Mug", sku_prefix="MUG")
    key = api_key_make(alpha, ["products:read"])
    client = api_client(alpha, key)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]  # the last two kept
    assert client.get(LIST).json()["error"]["code"] == ApiErrorCode.THROTTLED
    # no key, a key without the scope, a revoked key: refused though the answer is kept
    assert api_client(alpha).get(LIST).status_code == 401
    scoped = api_client(alpha, api_key_make(alpha, ["orders:read"])).get(LIST)
    assert scoped.json()["error"]["code"] == ApiErrorCode.SCOPE_MISSING
    other = api_key_make(alpha, ["products:read"])
    with schema_context(alpha.tenant.schema_name):
        api_key_revoke(key=ApiKey.objects.get(prefix=other.split("_")[1]), revoked_by=None)
    assert api_client(alpha, other).get(LIST).json()["error"]["code"] == ApiErrorCode.KEY_REVOKED


def test_a_refused_query_is_refused_every_time(alpha, reader):
    for _ in range(2):
        response = reader.get(LIST, {"colour": "red"})
        assert response.status_code == 400
        assert "colour" in response.json()["error"]["fields"]
