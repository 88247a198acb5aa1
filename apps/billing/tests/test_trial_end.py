"""A free trial without a card ends: at its end the merchant takes the failed-payment path
(read-only grace with an email, then suspension), and subscribing restores everything."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from apps.billing.lifecycle import billing_lifecycle_run
from apps.billing.models import BillingAuditEntry, BillingNotice, MerchantPlan
from apps.billing.selectors import STORE_ACTIVE, STORE_GRACE, store_billing_state
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.catalog.models import Product
from apps.catalog.tests.dashboard.helpers import product_post, role_client
from apps.tenants.models import Tenant
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

Status = MerchantPlan.Status
Kind = BillingNotice.Kind
Capture = Callable[..., Any]
NEW_PRODUCT = "/dashboard/catalog/products/new/"


@pytest.fixture
def trial_over(alpha: StoreWorld, django_capture_on_commit_callbacks: Capture) -> MerchantPlan:
    """A cardless trial (no Stripe subscription) that ended an hour ago."""
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan = merchant_on_plan(
            alpha.merchant,
            make_plan(stripe_price_id="price_growth_monthly", name="Growth"),
            status=Status.TRIALING,
            trial_ends_at=timezone.now() - timedelta(hours=1),
        )
    mail.outbox.clear()
    return merchant_plan


def _run(capture: Capture, now: Any = None) -> Any:
    with capture(execute=True):
        return billing_lifecycle_run(now=now)


def _products(world: StoreWorld) -> int:
    with schema_context(world.tenant.schema_name):
        return Product.objects.count()


def test_an_ended_cardless_trial_makes_the_stores_read_only_with_an_email_once(
    alpha: StoreWorld, trial_over: MerchantPlan, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.BILLING_GRACE_DAYS = 7
    # when
    result = _run(django_capture_on_commit_callbacks)
    # then: past due with the grace counted from the trial's end, the store read-only
    trial_over.refresh_from_db()
    assert result.trials_ended == 1
    assert trial_over.status == Status.PAST_DUE
    assert trial_over.trial_ends_at is not None
    assert trial_over.grace_until == trial_over.trial_ends_at + timedelta(days=7)
    state = store_billing_state(alpha.tenant)
    assert (state.state, state.read_only) == (STORE_GRACE, True)
    client = role_client(alpha, "staff")
    before = _products(alpha)
    assert client.post(NEW_PRODUCT, product_post()).status_code == 403
    assert _products(alpha) == before
    alpha.tenant.refresh_from_db()
    assert alpha.tenant.status == Tenant.Status.ACTIVE  # shoppers still buy
    # one "your trial ended" email naming the grace end, audited as a status change
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alpha.owner.email]
    grace_day = date_format(timezone.localtime(trial_over.grace_until), "DATE_FORMAT")
    assert "free trial has ended" in message.subject and grace_day in message.subject
    assert "read-only until" in message.body and grace_day in message.body
    entry = BillingAuditEntry.objects.filter(merchant=alpha.merchant).first()
    assert entry is not None and entry.after["reason"] == "trial_ended"
    assert (entry.before["status"], entry.after["status"]) == (Status.TRIALING, Status.PAST_DUE)
    # a second run sends and changes nothing
    mail.outbox.clear()
    again = _run(django_capture_on_commit_callbacks)
    assert again.trials_ended == 0 and again.reminders == 0
    assert mail.outbox == []
    assert BillingNotice.objects.filter(merchant=alpha.merchant, kind=Kind.TRIAL_ENDED).count() == 1


def test_the_grace_after_a_trial_ends_in_suspension_by_the_lifecycle_job(
    alpha: StoreWorld, trial_over: MerchantPlan, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.BILLING_GRACE_DAYS = 7
    settings.BILLING_DUNNING_REMINDER_DAYS = [3]
    _run(django_capture_on_commit_callbacks)
    trial_over.refresh_from_db()
    assert trial_over.grace_until is not None
    mail.outbox.clear()
    # day 3: a reminder that speaks of the trial, not of a payment
    start = trial_over.grace_until - timedelta(days=7)
    assert _run(django_capture_on_commit_callbacks, start + timedelta(days=3, hours=1)).reminders == 1
    assert "free trial has ended" in mail.outbox[-1].body
    assert "overdue" not in mail.outbox[-1].body
    # after the grace: the stores are suspended, the owners told once
    mail.outbox.clear()
    after = trial_over.grace_until + timedelta(hours=1)
    assert _run(django_capture_on_commit_callbacks, after).suspended == 1
    alpha.tenant.refresh_from_db()
    assert alpha.tenant.status == Tenant.Status.SUSPENDED
    assert [m.subject for m in mail.outbox if "suspended" in m.subject]
    assert "free trial has ended" in mail.outbox[-1].body
    mail.outbox.clear()
    assert _run(django_capture_on_commit_callbacks, after).suspended == 0
    assert mail.outbox == []


def test_the_trial_ending_email_says_what_happens_at_the_end(
    alpha: StoreWorld, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.BILLING_GRACE_DAYS = 7
    merchant_on_plan(
        alpha.merchant, make_plan(), status=Status.TRIALING, trial_ends_at=timezone.now() + timedelta(days=2)
    )
    mail.outbox.clear()
    result = _run(django_capture_on_commit_callbacks)
    assert (result.trial_ending, result.trials_ended) == (1, 0)
    body = mail.outbox[0].body
    assert "read-only when the trial ends" in body and "suspended 7 days later" in body


def test_trials_not_ended_or_with_a_subscription_are_left_alone(
    alpha: StoreWorld, beta: StoreWorld, django_capture_on_commit_callbacks: Capture
) -> None:
    running = merchant_on_plan(
        alpha.merchant, make_plan(), status=Status.TRIALING, trial_ends_at=timezone.now() + timedelta(days=9)
    )
    # Stripe ends this one (an invoice, paid or failed): not ours to end
    with_card = merchant_on_plan(
        beta.merchant,
        make_plan(),
        status=Status.TRIALING,
        trial_ends_at=timezone.now() - timedelta(days=1),
        stripe_subscription_id="sub_with_card",
    )
    assert _run(django_capture_on_commit_callbacks).trials_ended == 0
    running.refresh_from_db()
    with_card.refresh_from_db()
    assert (running.status, with_card.status) == (Status.TRIALING, Status.TRIALING)
    assert not BillingNotice.objects.filter(kind=Kind.TRIAL_ENDED).exists()


@pytest.mark.parametrize("when", ["in_grace", "after_suspension"])
def test_subscribing_after_the_trial_ended_restores_everything(
    when: str,
    alpha: StoreWorld,
    trial_over: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    platform_client: Client,
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    # given: the trial ended (and, in one case, the grace too: stores suspended)
    _run(django_capture_on_commit_callbacks)
    trial_over.refresh_from_db()
    assert trial_over.grace_until is not None
    if when == "after_suspension":
        trial_over.grace_until = timezone.now() - timedelta(minutes=1)
        trial_over.save()
        _run(django_capture_on_commit_callbacks)
        alpha.tenant.refresh_from_db()
        assert alpha.tenant.status == Tenant.Status.SUSPENDED
    with django_capture_on_commit_callbacks(execute=True):
        billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    trial_over.refresh_from_db()
    mail.outbox.clear()
    # when: Checkout made the subscription and Stripe says so
    now = int(time.time())
    event = fake_stripe_billing.subscription_event(
        "customer.subscription.created",
        created=now,
        subscription_id="sub_after_trial",
        customer=trial_over.stripe_customer_id,
        status="active",
        price="price_growth_monthly",
        period_end=now + 30 * 86400,
    )
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
    # then: active, serving, writable, one "welcome back" email, no more reminders
    trial_over.refresh_from_db()
    assert (trial_over.status, trial_over.grace_until) == (Status.ACTIVE, None)
    alpha.tenant.refresh_from_db()
    assert alpha.tenant.status == Tenant.Status.ACTIVE
    assert store_billing_state(alpha.tenant).state == STORE_ACTIVE
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject]
    assert "Welcome back" in mail.outbox[0].subject
    mail.outbox.clear()
    notices = BillingNotice.objects.filter(merchant=alpha.merchant).count()
    _run(django_capture_on_commit_callbacks, timezone.now() + timedelta(days=30))
    trial_over.refresh_from_db()
    assert trial_over.status == Status.ACTIVE
    assert BillingNotice.objects.filter(merchant=alpha.merchant).count() == notices
    assert not [m for m in mail.outbox if alpha.owner.email in m.to]
