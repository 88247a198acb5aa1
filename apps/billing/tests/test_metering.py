"""Metered usage (AI credits): recorded once per key and store, limited by the plan, reported to
Stripe as Billing Meter events through the SDK against the fake Stripe without ever counting a
record twice, shown per store in the console."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.billing.limits import PlanLimitReached
from apps.billing.metering import (
    MeteringError,
    merchant_metering,
    store_meter_used,
    usage_record,
    usage_report_pending,
)
from apps.billing.metering_tasks import usage_report_pending_task
from apps.billing.models import BillingAuditEntry, MerchantPlan, Meter, UsageRecord
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.platform.models import Merchant
from apps.tenants.models import Tenant
from tests.fixtures import StoreWorld, sessions_waiting_on_a_lock

AI = Meter.AI_CREDITS


# ------------------------------------------------------------------------------
# recording
# ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_store_records_its_usage_once_per_key(alpha: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=100))
    with schema_context(alpha.tenant.schema_name):
        first = usage_record(meter=AI, quantity=3, idempotency_key="copy-1")
        again = usage_record(meter=AI, quantity=3, idempotency_key="copy-1")
        usage_record(meter=AI, quantity=2, idempotency_key="copy-2")
        assert store_meter_used(store=alpha.tenant, meter=AI) == 5
    assert first.pk == again.pk
    assert (first.tenant_id, first.merchant_id, first.reported_at) == (
        alpha.tenant.pk,
        alpha.merchant.pk,
        None,
    )


@pytest.mark.django_db
def test_usage_beyond_the_plans_ai_credits_is_refused_with_the_limit_error(alpha: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(name="Small AI", ai_credits_per_month=10))
    with schema_context(alpha.tenant.schema_name):
        usage_record(meter=AI, quantity=8, idempotency_key="a")
        with pytest.raises(PlanLimitReached) as caught:
            usage_record(meter=AI, quantity=3, idempotency_key="b")
        usage_record(meter=AI, quantity=2, idempotency_key="c")  # exactly up to the limit
    assert caught.value.params["limit"] == "ai_credits_per_month"
    assert (caught.value.params["allowed"], caught.value.params["used"]) == (10, 8)
    assert "Your Small AI plan allows 10 AI credits per month" in caught.value.message
    assert not UsageRecord.objects.filter(idempotency_key="b").exists()


@pytest.mark.django_db
def test_the_credits_limit_counts_every_store_of_the_merchant(alpha: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=10))
    other = Tenant.objects.create(
        schema_name="alpha_meter_x", slug="alpha-meter-x", name="Other", merchant=alpha.merchant
    )
    usage_record(meter=AI, quantity=6, idempotency_key="x", store=other)
    with schema_context(alpha.tenant.schema_name), pytest.raises(PlanLimitReached):
        usage_record(meter=AI, quantity=5, idempotency_key="y")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"meter": "gpu_minutes", "quantity": 1, "idempotency_key": "k"}, "metering_meter_unknown"),
        ({"meter": AI, "quantity": 0, "idempotency_key": "k"}, "metering_quantity_invalid"),
        ({"meter": AI, "quantity": -4, "idempotency_key": "k"}, "metering_quantity_invalid"),
        ({"meter": AI, "quantity": True, "idempotency_key": "k"}, "metering_quantity_invalid"),
        ({"meter": AI, "quantity": 1, "idempotency_key": ""}, "metering_key_invalid"),
        ({"meter": AI, "quantity": 1, "idempotency_key": "k" * 201}, "metering_key_invalid"),
    ],
)
def test_bad_input_is_refused_with_a_named_error(alpha: StoreWorld, kwargs: dict, code: str) -> None:  # type: ignore[type-arg]
    with schema_context(alpha.tenant.schema_name), pytest.raises(MeteringError) as caught:
        usage_record(**kwargs)
    assert caught.value.code == code


@pytest.mark.django_db
def test_outside_a_store_nothing_is_recorded(alpha: StoreWorld) -> None:
    with pytest.raises(MeteringError) as caught:
        usage_record(meter=AI, quantity=1, idempotency_key="public")
    assert caught.value.code == "metering_no_store"


@pytest.mark.django_db
def test_tenant_isolation_a_store_neither_sees_nor_reuses_another_stores_records(
    alpha: StoreWorld, beta: StoreWorld
) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=None))
    merchant_on_plan(beta.merchant, make_plan(ai_credits_per_month=None))
    with schema_context(alpha.tenant.schema_name):
        alpha_record = usage_record(meter=AI, quantity=7, idempotency_key="same-key")
    with schema_context(beta.tenant.schema_name):
        beta_record = usage_record(meter=AI, quantity=1, idempotency_key="same-key")
        # beta's own view counts only beta's use
        assert store_meter_used(store=beta.tenant, meter=AI) == 1
    # the same key in another store is another record, of that store and its merchant
    assert alpha_record.pk != beta_record.pk
    assert (beta_record.tenant_id, beta_record.merchant_id) == (beta.tenant.pk, beta.merchant.pk)
    alpha_summary = {m.meter: m for m in merchant_metering(merchant=alpha.merchant)}[AI]
    beta_summary = {m.meter: m for m in merchant_metering(merchant=beta.merchant)}[AI]
    assert (alpha_summary.used, beta_summary.used) == (7, 1)
    assert {row.store.pk for row in beta_summary.stores} == {beta.tenant.pk}


# ------------------------------------------------------------------------------
# reporting to Stripe
# ------------------------------------------------------------------------------
@pytest.fixture
def customer(alpha: StoreWorld, fake_stripe_billing: FakeStripeBilling) -> str:  # noqa: F811
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=1000))
    return billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)


@pytest.mark.django_db
def test_unreported_usage_is_sent_as_meter_events_identified_by_the_record(
    alpha: StoreWorld,
    customer: str,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    with schema_context(alpha.tenant.schema_name):
        records = [usage_record(meter=AI, quantity=q, idempotency_key=f"k{q}") for q in (2, 5)]
    # when
    result = usage_report_pending()
    # then
    assert (result.reported, result.already, result.failed) == (2, 0, 0)
    for record in records:
        event = fake_stripe_billing.meter_events[record.stripe_identifier]
        assert event["event_name"] == "ai_credits"
        assert event["payload"] == {"stripe_customer_id": customer, "value": str(record.quantity)}
        assert event["timestamp"] == int(record.recorded_at.timestamp())
    assert not UsageRecord.objects.filter(reported_at=None).exists()
    # a second run reports nothing
    assert usage_report_pending().reported == 0
    assert len(fake_stripe_billing.requests_to("POST", "/v1/billing/meter_events")) == 2


@pytest.mark.django_db
def test_a_crash_after_stripe_answered_never_reports_twice(
    alpha: StoreWorld,
    customer: str,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    with schema_context(alpha.tenant.schema_name):
        record = usage_record(meter=AI, quantity=4, idempotency_key="crash")
    # given: the first run dies after Stripe took the event, before the row is marked
    real_update = UsageRecord.objects.filter

    def crash_on_mark(*args, **kwargs):  # type: ignore[no-untyped-def]
        queryset = real_update(*args, **kwargs)
        if "reported_at" in kwargs and "pk" in kwargs:
            raise RuntimeError("worker died")
        return queryset

    with (
        mock.patch.object(UsageRecord.objects, "filter", side_effect=crash_on_mark),
        pytest.raises(RuntimeError),
    ):
        usage_report_pending()
    record.refresh_from_db()
    assert record.reported_at is None and record.stripe_identifier in fake_stripe_billing.meter_events
    # when: the job runs again
    result = usage_report_pending()
    # then: Stripe still has one event for the record, and the row is marked
    assert (result.reported + result.already) == 1
    assert len(fake_stripe_billing.meter_events) == 1
    record.refresh_from_db()
    assert record.reported_at is not None


@pytest.mark.django_db
def test_a_duplicate_report_is_refused_by_stripe_and_counted_as_already_reported(
    alpha: StoreWorld,
    customer: str,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    with schema_context(alpha.tenant.schema_name):
        record = usage_record(meter=AI, quantity=1, idempotency_key="dup")
    usage_report_pending()
    # the mark is lost and the idempotency key has expired: only the identifier protects
    UsageRecord.objects.filter(pk=record.pk).update(reported_at=None)
    fake_stripe_billing._idempotency.clear()
    result = usage_report_pending()
    assert (result.reported, result.already) == (0, 1)
    (second,) = fake_stripe_billing.requests_to("POST", "/v1/billing/meter_events")[1:]
    assert second.status == 400
    assert len(fake_stripe_billing.meter_events) == 1
    record.refresh_from_db()
    assert record.reported_at is not None


@pytest.mark.django_db
def test_usage_of_a_merchant_without_a_stripe_customer_waits(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=None))
    with schema_context(alpha.tenant.schema_name):
        usage_record(meter=AI, quantity=1, idempotency_key="trial")
    result = usage_report_pending_task()
    assert result["waiting"] == 1 and result["reported"] == 0
    assert fake_stripe_billing.meter_events == {}


def test_the_report_job_is_on_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["billing-usage-report"]
    assert entry["task"] == "apps.billing.metering_tasks.usage_report_pending_task"
    assert "apps.billing.metering_tasks" in settings.CELERY_IMPORTS


# ------------------------------------------------------------------------------
# console
# ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_console_shows_per_store_usage_and_what_is_left(
    alpha: StoreWorld, beta: StoreWorld, platform_client: Client
) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=50))
    merchant_on_plan(beta.merchant, make_plan(ai_credits_per_month=None))
    with schema_context(alpha.tenant.schema_name):
        usage_record(meter=AI, quantity=12, idempotency_key="console")
    with schema_context(beta.tenant.schema_name):
        usage_record(meter=AI, quantity=999, idempotency_key="console")
    url = reverse(
        "billing_console:metering",
        kwargs={"merchant_uuid": alpha.merchant.uuid},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )
    platform_client.force_login(alpha.owner)
    response = platform_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "12 of 50 used this period" in content and '<strong class="left">38</strong>' in content
    assert f'data-store="{alpha.tenant.schema_name}"' in content
    assert f'data-store="{beta.tenant.schema_name}"' not in content and "999" not in content
    platform_client.force_login(beta.owner)
    assert platform_client.get(url).status_code == 404


# ------------------------------------------------------------------------------
# two calls at once (committed rows, threads with their own connections)
# ------------------------------------------------------------------------------
@pytest.fixture
def race_store(django_db_setup, django_db_blocker) -> Iterator[Tenant]:  # type: ignore[no-untyped-def]
    """A committed merchant with 10 AI credits and a store row (no schema: records are public)."""
    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        plan = make_plan(code=f"race-ai-{tag}", ai_credits_per_month=10)
        merchant = Merchant.objects.create(name=f"Race AI {tag}")
        MerchantPlan.objects.create(merchant=merchant, plan=plan, status=MerchantPlan.Status.ACTIVE)
        store = Tenant.objects.create(
            schema_name=f"race_ai_{tag}", slug=f"race-ai-{tag}", name="Race", merchant=merchant
        )
        try:
            yield store
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            UsageRecord.objects.filter(tenant=store).delete()
            store.delete()
            BillingAuditEntry.objects.filter(merchant=merchant).delete()
            MerchantPlan.objects.filter(merchant=merchant).delete()
            merchant.delete()
            plan.delete()


def test_two_calls_at_once_cannot_both_take_the_last_credits(race_store: Tenant, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    first_checked = threading.Event()
    outcomes: dict[str, str] = {}

    def spend(name: str, *, first: bool) -> None:
        try:
            if not first:
                first_checked.wait(timeout=30)
            with transaction.atomic():
                usage_record(meter=AI, quantity=6, idempotency_key=name, store=race_store)
                if first:
                    first_checked.set()
                    for _ in range(300):  # hold until the second call waits behind the lock
                        if sessions_waiting_on_a_lock() or "second" in outcomes:
                            break
                        threading.Event().wait(0.05)
            outcomes[name] = "recorded"
        except PlanLimitReached:
            outcomes[name] = "refused"
        except Exception as exc:  # any other outcome is named in the assertion
            outcomes[name] = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [
            threading.Thread(target=spend, args=("first",), kwargs={"first": True}),
            threading.Thread(target=spend, args=("second",), kwargs={"first": False}),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes == {"first": "recorded", "second": "refused"}
        assert UsageRecord.objects.filter(tenant=race_store).count() == 1


@pytest.mark.django_db
def test_staff_see_usage_order_days_and_billing_details_read_only_in_the_admin(
    alpha: StoreWorld, staff_client: Client
) -> None:
    merchant_on_plan(alpha.merchant, make_plan(ai_credits_per_month=None))
    with schema_context(alpha.tenant.schema_name):
        record = usage_record(meter=AI, quantity=3, idempotency_key="admin-view")
    for model in ("usagerecord", "storeorderday", "billingdetails"):
        assert staff_client.get(f"/admin/billing/{model}/").status_code == 200
    assert staff_client.get(f"/admin/billing/usagerecord/{record.pk}/change/").status_code == 200
    assert staff_client.get("/admin/billing/usagerecord/add/").status_code == 403
