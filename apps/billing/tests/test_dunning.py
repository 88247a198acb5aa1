"""Dunning: reminders while past due, on the documented schedule, each once, stopping when paid;
and the suspension email at the end of the grace period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from apps.billing.lifecycle import billing_lifecycle_run, dunning_schedule, payment_failed_at
from apps.billing.models import BillingNotice, MerchantPlan
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.tenants.models import StoreAuditEntry, Tenant
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

Status = MerchantPlan.Status
Kind = BillingNotice.Kind
T0 = 1_900_000_000
Capture = Callable[..., Any]


@pytest.fixture
def subscribed(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> MerchantPlan:
    plan = make_plan(stripe_price_id="price_growth_monthly", name="Growth")
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan = merchant_on_plan(alpha.merchant, plan)
        billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    # The lifecycle job runs weeks ahead in these tests: other merchants on a cardless trial
    # (since their first limit check) would see it end (apps.billing.lifecycle.trials_end) and
    # get emails these tests do not count.
    MerchantPlan.objects.exclude(merchant=alpha.merchant).update(status=Status.COMPED)
    mail.outbox.clear()
    merchant_plan.refresh_from_db()
    return merchant_plan


@pytest.fixture
def post_event(
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> Callable[[dict[str, Any]], Any]:
    def post(event: dict[str, Any]) -> Any:
        body, signature = fake_stripe_billing.webhook_request(
            event, secret=fake_stripe_billing.billing_webhook_secret
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = platform_client.post(
                "/billing/stripe/webhook/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
        assert response.status_code == 200, response.content
        return response

    return post


def _invoice(fake: FakeStripeBilling, mp: MerchantPlan, type_: str, created: int) -> Any:
    return fake.invoice_event(type_, created=created, customer=mp.stripe_customer_id, subscription_id="sub_1")


def _reminders(merchant_plan: MerchantPlan) -> list[str]:
    keys = BillingNotice.objects.filter(merchant_id=merchant_plan.merchant_id, kind=Kind.DUNNING_REMINDER)
    return [key.rsplit(":", 1)[1] for key in keys.order_by("created_at", "id").values_list("key", flat=True)]


def test_the_default_schedule_is_day_3_the_last_day_of_grace_then_days_14_and_21(settings: Any) -> None:
    settings.BILLING_GRACE_DAYS = 7
    settings.BILLING_DUNNING_REMINDER_DAYS = [3, 7, 14, 21]  # day 7 is the suspension: left out
    grace_until = timezone.now()
    failed_at = payment_failed_at(grace_until)
    schedule = [
        (label, (due - failed_at) / timedelta(days=1))
        for label, due in dunning_schedule(grace_until=grace_until)
    ]
    assert schedule == [("day_3", 3), ("last_day", 6), ("day_14", 14), ("day_21", 21)]


def test_reminders_go_out_once_each_within_grace_and_stop_when_paid(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: the payment failed (day 0 email)
    post_event(_invoice(fake_stripe_billing, subscribed, "invoice.payment_failed", T0))
    subscribed.refresh_from_db()
    assert subscribed.status == Status.PAST_DUE and subscribed.grace_until is not None
    day0 = payment_failed_at(subscribed.grace_until)
    assert len(mail.outbox) == 1 and "read-only" in mail.outbox[0].body
    mail.outbox.clear()

    def run(days: float) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return billing_lifecycle_run(now=day0 + timedelta(days=days)).reminders

    # when / then: each reminder once, on its day
    assert [run(0.1), run(2.9), run(3.1), run(3.2), run(5.9), run(6.1), run(6.5)] == [0, 0, 1, 0, 0, 1, 0]
    assert _reminders(subscribed) == ["day_3", "last_day"]
    assert len(mail.outbox) == 2
    assert "read-only" in mail.outbox[0].body and "last day" in mail.outbox[1].body
    assert all(message.to == [alpha.owner.email] for message in mail.outbox)
    # paid: back to active, one "reactivated" email, no more reminders
    mail.outbox.clear()
    post_event(_invoice(fake_stripe_billing, subscribed, "invoice.paid", T0 + 3600))
    subscribed.refresh_from_db()
    assert subscribed.status == Status.ACTIVE
    assert [run(14.1), run(21.1)] == [0, 0]
    assert (
        len(mail.outbox) == 1
        and BillingNotice.objects.filter(merchant=alpha.merchant, kind=Kind.REACTIVATED).count() == 1
    )


def test_after_grace_the_stores_are_suspended_with_one_email_then_reminders_continue(
    alpha: StoreWorld,
    beta: StoreWorld,
    subscribed: MerchantPlan,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: past due, the grace period ended an hour ago (the last-day reminder went out)
    now = timezone.now()
    grace_until = now - timedelta(hours=1)
    MerchantPlan.objects.filter(pk=subscribed.pk).update(status=Status.PAST_DUE, grace_until=grace_until)
    BillingNotice.objects.create(
        merchant=alpha.merchant,
        kind=Kind.DUNNING_REMINDER,
        key=f"dunning:{grace_until.isoformat()}:last_day",
        sent_at=now - timedelta(days=1),
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = billing_lifecycle_run(now=now)
        second = billing_lifecycle_run(now=now)
    # then: suspended, one email, nothing twice; beta untouched
    assert Tenant.objects.get(pk=alpha.tenant.pk).status == Tenant.Status.SUSPENDED
    assert Tenant.objects.get(pk=beta.tenant.pk).status == Tenant.Status.ACTIVE
    assert (first.suspended, first.reminders, second.suspended, second.reminders) == (1, 0, 0, 0)
    assert len(mail.outbox) == 1 and "suspended" in mail.outbox[0].subject
    assert alpha.tenant.name in mail.outbox[0].body
    # a week later (day 14 after the failure): the day-14 reminder, once
    day14 = payment_failed_at(grace_until) + timedelta(days=14, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_lifecycle_run(now=day14).reminders == 1
        assert billing_lifecycle_run(now=day14).reminders == 0
    assert _reminders(subscribed) == ["last_day", "day_14"]
    assert "suspended" in mail.outbox[-1].body
    assert not BillingNotice.objects.filter(
        merchant=beta.merchant, kind__in=[Kind.DUNNING_REMINDER, Kind.STORES_SUSPENDED]
    ).exists()


def test_a_job_that_was_down_sends_only_the_latest_reminder_due(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    now = timezone.now()
    grace_until = now + timedelta(days=30)  # still in grace for the whole test
    MerchantPlan.objects.filter(pk=subscribed.pk).update(status=Status.PAST_DUE, grace_until=grace_until)
    # BILLING_GRACE_DAYS is 7: "failed" 7 days before the grace end; run on its day 6.5
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_lifecycle_run(now=payment_failed_at(grace_until) + timedelta(days=6.5)).reminders == 1
    assert _reminders(subscribed) == ["last_day"]  # day 3 was missed: not sent late
    assert len(mail.outbox) == 1


def test_a_cancellation_after_suspension_keeps_data_counted_from_the_suspension(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: suspended at the end of grace, 20 days ago
    now = timezone.now()
    MerchantPlan.objects.filter(pk=subscribed.pk).update(
        status=Status.PAST_DUE, grace_until=now - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        billing_lifecycle_run(now=now)
    suspended_at = now - timedelta(days=20)
    StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="status:suspended").update(
        created_at=suspended_at
    )
    mail.outbox.clear()
    # when: Stripe gives up and cancels
    post_event(
        fake_stripe_billing.subscription_event(
            "customer.subscription.deleted",
            created=T0,
            subscription_id="sub_1",
            customer=subscribed.stripe_customer_id,
            status="canceled",
            price="price_growth_monthly",
            period_end=T0,
            trial_end=None,
        )
    )
    # then: the data is kept 90 days from the suspension, not from the cancellation
    kept_until = date_format(timezone.localtime(suspended_at + timedelta(days=90)), "DATE_FORMAT")
    assert len(mail.outbox) == 1 and "cancelled" in mail.outbox[0].subject
    assert kept_until in mail.outbox[0].body
