"""Subscribing through Stripe Checkout and the Customer Portal, and the lifecycle the billing
webhooks drive, against the fake Stripe (apps/billing/testing/fake_stripe_billing.py): the real
SDK and the real signature scheme, no network."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from djstripe.models import Event

from apps.billing.models import BillingAuditEntry, MerchantPlan
from apps.billing.subscriptions import billing_customer_ensure, billing_grace_expire
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.tenants.models import Tenant
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

WEBHOOK = "/billing/stripe/webhook/"
Status = MerchantPlan.Status
T0 = 1_900_000_000  # event times: fixed, so the tests never depend on the clock's second
DAY = 86_400


def _console(client: Client, world: StoreWorld) -> Client:
    client.force_login(world.owner)
    return client


def _billing_url(world: StoreWorld, name: str, **kwargs: Any) -> str:
    return reverse(
        f"billing_console:{name}",
        kwargs={"merchant_uuid": world.merchant.uuid, **kwargs},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def _post_event(client: Client, fake: FakeStripeBilling, event: dict[str, Any], **sign: Any) -> Any:
    body, signature = fake.webhook_request(
        event, secret=sign.pop("secret", fake.billing_webhook_secret), **sign
    )
    return client.post(WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def subscribed(alpha: StoreWorld, fake_stripe_billing: FakeStripeBilling) -> MerchantPlan:  # noqa: F811
    """Alpha's merchant on a purchasable plan, with a Stripe customer."""
    plan = make_plan(stripe_price_id="price_growth_monthly")
    merchant_plan = merchant_on_plan(alpha.merchant, plan)
    billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    merchant_plan.refresh_from_db()
    return merchant_plan


# ------------------------------------------------------------------------------
# Console: Checkout, Portal, invoices
# ------------------------------------------------------------------------------
def test_subscribe_creates_a_subscription_checkout_session_with_idempotency_keys(
    alpha: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    # given
    plan = make_plan(stripe_price_id="price_growth_monthly")
    client = _console(platform_client, alpha)
    url = _billing_url(alpha, "subscribe", plan_code=plan.code)
    # when: the form is submitted twice (a double click)
    first = client.post(url, {"attempt": "a1"})
    second = client.post(url, {"attempt": "a1"})
    # then: one customer, one session, both answers redirect to it
    customers = fake_stripe_billing.requests_to("POST", "/v1/customers")
    sessions = fake_stripe_billing.requests_to("POST", "/v1/checkout/sessions")
    assert len(customers) == 1 and customers[0].idempotency_key == f"billing-customer-{alpha.merchant.uuid}"
    assert all(request.idempotency_key for request in sessions)
    assert len(fake_stripe_billing.checkout_sessions) == 1
    session = next(iter(fake_stripe_billing.checkout_sessions.values()))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == session["url"]
    assert session["mode"] == "subscription"
    assert session["line_items_requested"] == [{"price": "price_growth_monthly", "quantity": "1"}]
    assert session["customer"] == MerchantPlan.objects.get(merchant=alpha.merchant).stripe_customer_id
    assert session["success_url"].startswith(settings.PLATFORM_URL)
    assert session["subscription_data"]["metadata"]["merchant_uuid"] == str(alpha.merchant.uuid)


def test_subscribe_to_a_plan_without_a_price_is_refused_without_calling_stripe(
    alpha: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = make_plan(stripe_price_id="")
    response = _console(platform_client, alpha).post(_billing_url(alpha, "subscribe", plan_code=plan.code))
    assert response.status_code == 302
    assert fake_stripe_billing.requests_to("POST", "/v1/checkout/sessions") == []


def test_manage_billing_opens_a_portal_session_for_the_merchants_customer(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    response = _console(platform_client, alpha).post(_billing_url(alpha, "portal"))
    (session,) = fake_stripe_billing.portal_sessions.values()
    assert response.status_code == 302 and response["Location"] == session["url"]
    assert session["customer"] == subscribed.stripe_customer_id


def test_invoices_list_shows_only_the_merchants_invoices(
    alpha: StoreWorld,
    beta: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    fake_stripe_billing.invoice_add(customer=subscribed.stripe_customer_id, amount_due=7900)
    other = fake_stripe_billing._customer_create({"name": "other"})
    fake_stripe_billing.invoice_add(customer=other["id"], amount_due=123456)
    response = _console(platform_client, alpha).get(_billing_url(alpha, "invoices"))
    assert response.status_code == 200
    assert b"7900" in response.content and b"123456" not in response.content
    # another merchant's owner does not see alpha's billing at all
    platform_client.force_login(beta.owner)
    assert platform_client.get(_billing_url(alpha, "invoices")).status_code == 404


def test_billing_pages_need_billing_manage_to_subscribe(
    alpha: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from apps.accounts.models import User
    from apps.platform.models import Membership

    plan = make_plan(stripe_price_id="price_x")
    finance = User.objects.create_user("finance@example.com", "pw-123456789x")
    Membership.objects.create(merchant=alpha.merchant, user=finance, role=Membership.Role.FINANCE)
    platform_client.force_login(finance)
    assert platform_client.get(_billing_url(alpha, "invoices")).status_code == 200
    assert platform_client.post(_billing_url(alpha, "subscribe", plan_code=plan.code)).status_code == 403
    assert platform_client.post(_billing_url(alpha, "portal")).status_code == 403
    assert fake_stripe_billing.requests_to("POST", "/v1/") == []


# ------------------------------------------------------------------------------
# Webhooks: lifecycle
# ------------------------------------------------------------------------------
def _sub(
    fake: FakeStripeBilling, mp: MerchantPlan, type_: str, status: str, created: int, sub: str = "sub_1"
) -> dict[str, Any]:
    return fake.subscription_event(
        type_,
        created=created,
        subscription_id=sub,
        customer=mp.stripe_customer_id,
        status=status,
        price="price_growth_monthly",
        period_end=created + 30 * DAY,
        trial_end=T0 + 14 * DAY if status == "trialing" else None,
    )


def _inv(
    fake: FakeStripeBilling, mp: MerchantPlan, type_: str, created: int, sub: str = "sub_1"
) -> dict[str, Any]:
    return fake.invoice_event(type_, created=created, customer=mp.stripe_customer_id, subscription_id=sub)


def _state(mp: MerchantPlan) -> tuple[str, str]:
    mp.refresh_from_db()
    return mp.status, mp.stripe_subscription_id


def _store_status(world: StoreWorld) -> str:
    return Tenant.objects.get(pk=world.tenant.pk).status


def test_the_whole_lifecycle_from_signed_webhooks(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    fake, mp = fake_stripe_billing, subscribed
    steps = [
        (_sub(fake, mp, "customer.subscription.created", "trialing", T0), Status.TRIALING, "active"),
        (_sub(fake, mp, "customer.subscription.updated", "active", T0 + 14 * DAY), Status.ACTIVE, "active"),
        (_inv(fake, mp, "invoice.paid", T0 + 14 * DAY + 5), Status.ACTIVE, "active"),  # first payment
        (_inv(fake, mp, "invoice.paid", T0 + 44 * DAY), Status.ACTIVE, "active"),  # renewal
        (_inv(fake, mp, "invoice.payment_failed", T0 + 74 * DAY), Status.PAST_DUE, "active"),
        (
            _sub(fake, mp, "customer.subscription.updated", "past_due", T0 + 74 * DAY),
            Status.PAST_DUE,
            "active",
        ),
        (
            _sub(fake, mp, "customer.subscription.deleted", "canceled", T0 + 90 * DAY),
            Status.CANCELLED,
            "suspended",
        ),
        # reactivated: a new subscription through Checkout
        (
            _sub(fake, mp, "customer.subscription.created", "active", T0 + 100 * DAY, sub="sub_2"),
            Status.ACTIVE,
            "active",
        ),
    ]
    for event, expected, store in steps:
        response = _post_event(platform_client, fake, event)
        assert response.status_code == 200, response.content
        mp.refresh_from_db()
        assert (event["type"], mp.status, _store_status(alpha)) == (event["type"], expected, store)
        if expected == Status.PAST_DUE:
            assert mp.grace_until is not None  # read-only grace period while past due
        else:
            assert mp.grace_until is None
    assert mp.stripe_subscription_id == "sub_2"
    assert mp.current_period_end is not None and int(mp.current_period_end.timestamp()) == T0 + 130 * DAY
    assert BillingAuditEntry.objects.filter(merchant=alpha.merchant, action="status_changed").exists()


SUBSCRIPTION_SEQUENCE = [
    ("customer.subscription.created", "trialing", T0, "sub_1"),
    ("customer.subscription.updated", "active", T0 + 14 * DAY, "sub_1"),
    ("customer.subscription.updated", "past_due", T0 + 74 * DAY, "sub_1"),
    ("customer.subscription.deleted", "canceled", T0 + 90 * DAY, "sub_1"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_subscription_events_in_every_arrival_order_end_in_the_same_state(
    order: tuple[int, ...],
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    events = [_sub(fake_stripe_billing, subscribed, t, s, c, sub) for t, s, c, sub in SUBSCRIPTION_SEQUENCE]
    for index in order:
        assert _post_event(platform_client, fake_stripe_billing, events[index]).status_code == 200
    assert _state(subscribed) == (Status.CANCELLED, "sub_1")
    assert _store_status(alpha) == Tenant.Status.SUSPENDED


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reactivation_wins_in_every_arrival_order(
    order: tuple[int, ...],
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    fake, mp = fake_stripe_billing, subscribed
    events = [
        _inv(fake, mp, "invoice.payment_failed", T0 + 74 * DAY),
        _sub(fake, mp, "customer.subscription.deleted", "canceled", T0 + 90 * DAY),
        _sub(fake, mp, "customer.subscription.created", "active", T0 + 100 * DAY, sub="sub_2"),
    ]
    for index in order:
        assert _post_event(platform_client, fake, events[index]).status_code == 200
    assert _state(mp) == (Status.ACTIVE, "sub_2")
    assert _store_status(alpha) == Tenant.Status.ACTIVE


def test_a_duplicate_event_has_one_effect(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    event = _inv(fake_stripe_billing, subscribed, "invoice.payment_failed", T0)
    first = _post_event(platform_client, fake_stripe_billing, event)
    subscribed.refresh_from_db()
    grace_until = subscribed.grace_until
    audits = BillingAuditEntry.objects.filter(merchant=alpha.merchant).count()
    second = _post_event(platform_client, fake_stripe_billing, event)
    assert first.json()["status"] == "processed" and second.json()["status"] == "duplicate"
    subscribed.refresh_from_db()
    assert subscribed.grace_until == grace_until
    assert BillingAuditEntry.objects.filter(merchant=alpha.merchant).count() == audits
    assert Event.objects.filter(id=event["id"]).count() == 1


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "whsec_forged_by_someone_else"},
        {"timestamp": int(time.time()) - 3600},  # stale: outside the 300 s tolerance
    ],
    ids=["forged", "stale"],
)
def test_a_forged_or_stale_delivery_is_refused_and_writes_nothing(
    sign: dict[str, Any],
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    event = _sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0)
    audits = BillingAuditEntry.objects.count()
    response = _post_event(platform_client, fake_stripe_billing, event, **sign)
    assert response.status_code == 400
    assert not Event.objects.filter(id=event["id"]).exists()
    assert BillingAuditEntry.objects.count() == audits
    assert _state(subscribed)[0] == Status.TRIALING
    assert _store_status(alpha) == Tenant.Status.ACTIVE


def test_a_handler_that_crashes_leaves_the_event_to_be_retried(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apps.billing import subscriptions

    event = _sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(subscriptions, "stores_apply_billing_state", crash)
    assert _post_event(platform_client, fake_stripe_billing, event).status_code == 500
    assert not Event.objects.filter(id=event["id"]).exists()
    assert _state(subscribed)[0] == Status.TRIALING
    monkeypatch.undo()
    assert _post_event(platform_client, fake_stripe_billing, event).status_code == 200
    assert _state(subscribed)[0] == Status.CANCELLED


def test_grace_period_ends_in_suspension_and_payment_restores_the_store(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    fake, mp = fake_stripe_billing, subscribed
    _post_event(platform_client, fake, _inv(fake, mp, "invoice.payment_failed", T0))
    assert _store_status(alpha) == Tenant.Status.ACTIVE  # within grace: still serving
    MerchantPlan.objects.filter(pk=mp.pk).update(grace_until="2000-01-01T00:00:00Z")
    assert billing_grace_expire() == 1
    assert _store_status(alpha) == Tenant.Status.SUSPENDED
    assert Tenant.objects.get(pk=alpha.tenant.pk).status_reason == "billing"
    _post_event(platform_client, fake, _inv(fake, mp, "invoice.paid", T0 + DAY))
    assert _state(mp)[0] == Status.ACTIVE
    assert _store_status(alpha) == Tenant.Status.ACTIVE


def test_a_store_suspended_by_staff_is_not_reactivated_by_a_payment(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from apps.tenants.services import store_suspend

    store_suspend(tenant=alpha.tenant, actor=None, reason="abuse report")
    _post_event(
        platform_client, fake_stripe_billing, _inv(fake_stripe_billing, subscribed, "invoice.paid", T0)
    )
    assert _store_status(alpha) == Tenant.Status.SUSPENDED


def test_a_suspended_stores_pages_show_the_suspension_page_and_no_data(
    alpha: StoreWorld,
    beta: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    shop = store_client(alpha)
    assert shop.get("/").status_code == 200
    event = _sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0)
    assert _post_event(platform_client, fake_stripe_billing, event).status_code == 200
    for path in ("/", "/dashboard/"):
        response = shop.get(path)
        assert response.status_code == 503
        assert b"This store is unavailable" in response.content
        assert alpha.tenant.name.encode() not in response.content
    # API clients get the error envelope instead of the page, with no store data either
    api = shop.get("/api/v1/products")
    assert api.status_code == 503 and api.json()["error"]["code"] == "store_unavailable"
    assert alpha.tenant.name.encode() not in api.content
    # another merchant's store is untouched
    assert store_client(beta).get("/").status_code == 200


def test_a_plan_changed_in_the_customer_portal_moves_the_merchant_to_that_plan(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    # given: active on the growth price; in the Portal the merchant picks another plan, and
    # Stripe sends the subscription with that plan's price
    fake, mp = fake_stripe_billing, subscribed
    growth = mp.plan
    scale = make_plan(name="Scale", stripe_price_id="price_scale_monthly", max_stores=10)
    _post_event(platform_client, fake, _sub(fake, mp, "customer.subscription.updated", "active", T0))
    event = fake.subscription_event(
        "customer.subscription.updated",
        created=T0 + DAY,
        subscription_id="sub_1",
        customer=mp.stripe_customer_id,
        status="active",
        price="price_scale_monthly",
        period_end=T0 + 31 * DAY,
    )
    # when
    assert _post_event(platform_client, fake, event).status_code == 200
    # then: the plan follows the price, audited with the event that decided it
    mp.refresh_from_db()
    assert (mp.plan, mp.status) == (scale, Status.ACTIVE)
    entry = BillingAuditEntry.objects.filter(merchant=alpha.merchant, action="status_changed").first()
    assert entry is not None
    assert (entry.before["plan"], entry.after["plan"]) == (growth.code, scale.code)
    assert entry.after["stripe_event"] == event["id"]
    # and an older snapshot with the old price, delivered late, does not move it back
    late = _sub(fake, mp, "customer.subscription.updated", "active", T0 + 5)
    assert _post_event(platform_client, fake, late).status_code == 200
    mp.refresh_from_db()
    assert mp.plan == scale


def test_the_grace_expiry_and_lifecycle_jobs_run_as_celery_beat_tasks(
    alpha: StoreWorld,
    platform_client: Client,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from config.celery import app

    # given: past due, the grace period over
    fake, mp = fake_stripe_billing, subscribed
    _post_event(platform_client, fake, _inv(fake, mp, "invoice.payment_failed", T0))
    MerchantPlan.objects.filter(pk=mp.pk).update(grace_until="2000-01-01T00:00:00Z")
    app.loader.import_default_modules()
    names = {
        entry: settings.CELERY_BEAT_SCHEDULE[entry]["task"]
        for entry in ("billing-grace-expire", "billing-lifecycle")
    }
    assert all(name in app.tasks for name in names.values()), names
    # when: beat's tasks run through Celery (in process)
    expired = app.tasks[names["billing-grace-expire"]].apply()
    lifecycle = app.tasks[names["billing-lifecycle"]].apply()
    # then: the store is suspended by billing and its owners are told once
    assert expired.successful() and expired.get() == 1
    assert _store_status(alpha) == Tenant.Status.SUSPENDED
    assert lifecycle.successful() and lifecycle.get()["suspended"] == 1
    assert app.tasks[names["billing-lifecycle"]].apply().get()["suspended"] == 0
