"""Idempotency, body limits, strict bodies and throttling, on views built for the test and on
the real `/api/v1/products`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from apps.api.errors import ApiErrorCode
from apps.api.idempotency import idempotency_records_purge, idempotent
from apps.api.models import IdempotencyRecord
from apps.api.serializers import StrictSerializer
from apps.api.tests.factories import api_client, api_key_make
from apps.api.views import ApiView
from apps.billing.limits import merchant_plan_for

pytestmark = pytest.mark.django_db


class _Line(StrictSerializer):
    sku = serializers.CharField(max_length=20)
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class _Create(StrictSerializer):
    email = serializers.EmailField()
    lines = _Line(many=True)


class _Orders(ApiView):
    """Stands for an endpoint that creates something: counts what it made."""

    api_resource = "orders"
    made: list[dict[str, Any]] = []
    fail_with: int | None = None

    @idempotent
    def post(self, request: Request) -> Response:
        body = _Create(data=request.data)
        body.is_valid(raise_exception=True)
        if self.fail_with:
            return Response({"boom": True}, status=self.fail_with)
        type(self).made.append(body.validated_data)
        return Response({"number": len(type(self).made)}, status=status.HTTP_201_CREATED)


def _call(world, key: str, body: Any, *, idem: str | None = None, raw: bytes | None = None, **view_kw) -> Any:
    factory = APIRequestFactory()
    extra = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_HOST": world.host}
    if idem is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = idem
    data = raw if raw is not None else json.dumps(body).encode()
    request = factory.post("/api/v1/test-orders", data=data, content_type="application/json", **extra)
    request.tenant = world.tenant  # type: ignore[attr-defined]
    with schema_context(world.tenant.schema_name):
        response = _Orders.as_view(**view_kw)(request)
        response.render()
    return response


@pytest.fixture
def orders_view():
    _Orders.made = []
    yield _Orders
    _Orders.made = []


BODY = {"email": "ann@example.com", "lines": [{"sku": "TEE", "quantity": 2}]}


def test_a_replayed_key_returns_the_stored_response_and_creates_nothing(alpha, orders_view):
    key = api_key_make(alpha, ["orders:write"])
    first = _call(alpha, key, BODY, idem="order-1")
    again = _call(alpha, key, BODY, idem="order-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(first.content) == json.loads(again.content) == {"data": {"number": 1}, "error": None}
    assert again["Idempotent-Replayed"] == "true"
    assert len(orders_view.made) == 1
    # a new key is a new request
    assert json.loads(_call(alpha, key, BODY, idem="order-2").content)["data"] == {"number": 2}


def test_the_same_key_with_another_body_is_a_422_naming_the_conflict(alpha, orders_view):
    key = api_key_make(alpha, ["orders:write"])
    _call(alpha, key, BODY, idem="order-1")
    other = _call(alpha, key, {**BODY, "email": "bob@example.com"}, idem="order-1")
    assert other.status_code == 422
    assert json.loads(other.content)["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_REUSED
    assert len(orders_view.made) == 1


def test_keys_are_per_caller_and_per_store(alpha, beta, orders_view):
    first, second = api_key_make(alpha, ["orders:write"]), api_key_make(alpha, ["orders:write"])
    _call(alpha, first, BODY, idem="same")
    assert _call(alpha, second, BODY, idem="same").status_code == 201
    assert _call(beta, api_key_make(beta, ["orders:write"]), BODY, idem="same").status_code == 201
    assert len(orders_view.made) == 3


def test_a_failed_request_leaves_no_record_so_a_retry_runs(alpha, orders_view):
    key = api_key_make(alpha, ["orders:write"])
    bad = _call(alpha, key, {**BODY, "lines": [{"sku": "TEE", "quantity": -1}]}, idem="retry-me")
    assert bad.status_code == 400
    assert _call(alpha, key, BODY, idem="retry-me").status_code == 201
    crashed = _call(alpha, key, BODY, idem="crash", fail_with=503)
    assert crashed.status_code == 503
    with schema_context(alpha.tenant.schema_name):
        assert not IdempotencyRecord.objects.filter(key="crash").exists()


def test_a_key_still_running_is_a_409_and_a_stale_one_runs_again(alpha, orders_view):
    key = api_key_make(alpha, ["orders:write"])
    _call(alpha, key, BODY, idem="slow")
    with schema_context(alpha.tenant.schema_name):
        # as if the first request were still running
        IdempotencyRecord.objects.filter(key="slow").update(state=IdempotencyRecord.State.IN_PROGRESS)
    response = _call(alpha, key, BODY, idem="slow")
    assert response.status_code == 409
    assert json.loads(response.content)["error"]["code"] == ApiErrorCode.IDEMPOTENCY_IN_PROGRESS
    with schema_context(alpha.tenant.schema_name):
        # as if it had crashed ten minutes ago without cleaning up
        IdempotencyRecord.objects.filter(key="slow").update(created_at=timezone.now() - timedelta(minutes=10))
    assert _call(alpha, key, BODY, idem="slow").status_code == 201
    assert len(orders_view.made) == 2


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "line\nbreak"])
def test_a_malformed_idempotency_key_is_a_400(alpha, orders_view, value):
    response = _call(alpha, api_key_make(alpha, ["orders:write"]), BODY, idem=value)
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == ApiErrorCode.IDEMPOTENCY_KEY_INVALID


def test_records_older_than_a_day_are_purged(alpha, orders_view):
    key = api_key_make(alpha, ["orders:write"])
    _call(alpha, key, BODY, idem="old")
    _call(alpha, key, BODY, idem="new")
    with schema_context(alpha.tenant.schema_name):
        IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
        assert idempotency_records_purge() == 1
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (b"{not json", ApiErrorCode.PARSE_ERROR, None),
        (json.dumps({**BODY, "coupon": "FREE"}).encode(), ApiErrorCode.VALIDATION_ERROR, "coupon"),
        (
            json.dumps({**BODY, "lines": [{"sku": "TEE", "quantity": "two"}]}).encode(),
            ApiErrorCode.VALIDATION_ERROR,
            "lines.0.quantity",
        ),
        (
            json.dumps({**BODY, "lines": [{"sku": "TEE", "quantity": -3}]}).encode(),
            ApiErrorCode.VALIDATION_ERROR,
            "lines.0.quantity",
        ),
        (json.dumps({**BODY, "email": 12}).encode(), ApiErrorCode.VALIDATION_ERROR, "email"),
        (json.dumps([1, 2]).encode(), ApiErrorCode.VALIDATION_ERROR, "non_field_errors"),
    ],
)
def test_bad_bodies_are_400s_naming_the_problem(alpha, orders_view, raw, code, field):
    response = _call(alpha, api_key_make(alpha, ["orders:write"]), None, raw=raw)
    assert response.status_code == 400, response.content
    error = json.loads(response.content)["error"]
    assert error["code"] == code
    if field:
        assert field in error["fields"], error
    assert orders_view.made == []


@override_settings(API_MAX_BODY_BYTES=200)
def test_an_oversized_body_is_a_400_naming_the_limit(alpha, orders_view):
    big = {**BODY, "lines": [{"sku": "TEE", "quantity": 1}] * 20}
    response = _call(alpha, api_key_make(alpha, ["orders:write"]), big)
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["data"] is None
    assert body["error"]["code"] == ApiErrorCode.BODY_TOO_LARGE
    assert body["error"]["params"] == {"limit": 200}
    assert "200 bytes" in body["error"]["message"]
    assert orders_view.made == []


def test_a_read_key_cannot_write(alpha, orders_view):
    response = _call(alpha, api_key_make(alpha, ["orders:read"]), BODY)
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == ApiErrorCode.SCOPE_MISSING


def test_requests_beyond_the_plans_rate_are_429_with_retry_after(alpha, beta, monkeypatch):
    monkeypatch.setattr("apps.api.access.time.time", lambda: 1_800_000_030.0)  # mid-minute, fixed
    merchant_plan = merchant_plan_for(merchant=alpha.merchant)
    merchant_plan.limit_overrides = {**(merchant_plan.limit_overrides or {}), "api_requests_per_minute": 3}
    merchant_plan.save(update_fields=["limit_overrides"])
    key = api_key_make(alpha, ["products:read"])
    client = api_client(alpha, key)
    assert [client.get("/api/v1/products").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/products")
    assert refused.status_code == 429
    # the window slides: the 3 requests of :30 fade out of it through the next minute, and a
    # fourth fits once a third of them has (at 3 x (1 - 20/60) + 1 = 3): 30 s + 20 s
    assert refused["Retry-After"] == "50"
    assert refused.json()["error"]["code"] == ApiErrorCode.THROTTLED
    # another key of the same store has its own count; a key of another store too
    assert (
        api_client(alpha, api_key_make(alpha, ["products:read"])).get("/api/v1/products").status_code == 200
    )
    assert api_client(beta, api_key_make(beta, ["products:read"])).get("/api/v1/products").status_code == 200


def test_the_minute_slides_so_a_burst_across_its_turn_is_refused(alpha, monkeypatch):
    clock = [1_800_000_059.0]  # the last second of a minute
    monkeypatch.setattr("apps.api.access.time.time", lambda: clock[0])
    merchant_plan = merchant_plan_for(merchant=alpha.merchant)
    merchant_plan.limit_overrides = {**(merchant_plan.limit_overrides or {}), "api_requests_per_minute": 3}
    merchant_plan.save(update_fields=["limit_overrides"])
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    assert [client.get("/api/v1/products").status_code for _ in range(3)] == [200, 200, 200]
    clock[0] = 1_800_000_061.0  # a new minute: a fixed window would allow 3 more at once
    refused = client.get("/api/v1/products")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "19"  # 3 x (1 - 20/60) + 1 = 3 at :20
    clock[0] = 1_800_000_079.0
    assert client.get("/api/v1/products").status_code == 429  # refused requests are not counted
    clock[0] = 1_800_000_080.0
    assert [client.get("/api/v1/products").status_code for _ in range(2)] == [200, 429]
    clock[0] = 1_800_000_180.0  # both minutes slid out
    assert [client.get("/api/v1/products").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_anonymous_callers_are_counted_per_address(alpha, monkeypatch, settings):
    monkeypatch.setattr("apps.api.access.time.time", lambda: 1_800_000_000.0)
    settings.API_ANONYMOUS_RATE_PER_MINUTE = 2
    one = api_client(alpha, REMOTE_ADDR="198.51.100.1")
    codes = [one.get("/api/v1/nowhere-but-counted").status_code for _ in range(3)]
    assert codes == [404, 404, 404]  # the 404 catch-all is not a DRF view: not throttled
    statuses = [one.get("/api/v1/products").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert api_client(alpha, REMOTE_ADDR="198.51.100.2").get("/api/v1/products").status_code == 401


def test_during_the_billing_grace_period_api_writes_are_refused_and_reads_work(alpha, beta, orders_view):
    from apps.billing.models import MerchantPlan
    from apps.billing.tests.factories import make_plan, merchant_on_plan

    merchant_on_plan(
        alpha.merchant,
        make_plan(),
        status=MerchantPlan.Status.PAST_DUE,
        grace_until=timezone.now() + timedelta(days=3),
    )
    key = api_key_make(alpha)
    refused = _call(alpha, key, BODY)
    assert refused.status_code == 403
    assert json.loads(refused.content)["error"]["code"] == ApiErrorCode.STORE_READ_ONLY
    assert orders_view.made == []
    assert api_client(alpha, key).get("/api/v1/products").status_code == 200
    # another merchant's store is untouched
    assert _call(beta, api_key_make(beta), BODY).status_code == 201
