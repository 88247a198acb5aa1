"""Retention: a lapsed store is kept BILLING_RETENTION_DAYS (90) after billing suspended it, its
owners are warned 30 and 7 days before, it is deleted (schema, row, files) only after, once; a
merchant that pays before then gets everything back; nobody else's store is ever touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from apps.billing.models import BillingAuditEntry, BillingNotice, MerchantPlan
from apps.billing.retention import retention_run
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.platform.models import Membership, Merchant
from apps.platform.services import store_create
from apps.tenants.models import StoreAuditEntry, Tenant
from apps.tenants.services import store_provision, store_suspend
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

Status = MerchantPlan.Status
Kind = BillingNotice.Kind
T0 = 1_900_000_000
DAY = timedelta(days=1)
Capture = Callable[..., Any]


@dataclass
class Lapsed:
    world: StoreWorld
    merchant_plan: MerchantPlan
    shopper_email: str

    @property
    def tenant(self) -> Tenant:
        return self.world.tenant

    def suspended_since(self, since: datetime) -> None:
        """Move the store's billing suspension back to `since`."""
        StoreAuditEntry.objects.filter(tenant=self.tenant, action="status:suspended").update(created_at=since)

    def warnings_sent(self, at: datetime) -> None:
        BillingNotice.objects.filter(merchant=self.world.merchant, kind=Kind.DELETION_WARNING).update(
            sent_at=at
        )


def _post(client: Client, fake: FakeStripeBilling, capture: Capture, event: dict[str, Any]) -> None:
    body, signature = fake.webhook_request(event, secret=fake.billing_webhook_secret)
    with capture(execute=True):
        response = client.post(
            "/billing/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
    assert response.status_code == 200, response.content


def _subscription(
    fake: FakeStripeBilling, mp: MerchantPlan, type_: str, status: str, created: int, sub: str
) -> Any:
    return fake.subscription_event(
        type_,
        created=created,
        subscription_id=sub,
        customer=mp.stripe_customer_id,
        status=status,
        price="price_growth_monthly",
        period_end=created + 30 * 86_400,
        trial_end=None,
    )


@pytest.fixture
def lapsed(
    db: None,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> Iterator[Lapsed]:
    """A merchant of its own with one provisioned store holding a shopper and a media file,
    cancelled through a signed webhook (so billing suspended the store); rolled back after."""
    merchant = Merchant.objects.create(name="Lapsing Merchant")
    owner = User.objects.create_user("owner-lapsing@example.com", "pw-123456789x")
    Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan = merchant_on_plan(merchant, make_plan(stripe_price_id="price_growth_monthly"))
        billing_customer_ensure(merchant=merchant, email=owner.email)
    tenant = store_create(merchant=merchant, name="Lapsing Store", subdomain="lapsing", created_by=owner)
    store_provision(tenant_id=tenant.pk)
    tenant.refresh_from_db()
    world = StoreWorld(tenant=tenant, merchant=merchant, owner=owner)
    make_store_user(world, "shopper-lapsing@example.com")
    with schema_context(tenant.schema_name):
        default_storage.save("products/kept.txt", ContentFile(b"a product photo"))
    merchant_plan.refresh_from_db()
    _post(
        platform_client,
        fake_stripe_billing,
        django_capture_on_commit_callbacks,
        _subscription(
            fake_stripe_billing, merchant_plan, "customer.subscription.deleted", "canceled", T0, "sub_l"
        ),
    )
    tenant.refresh_from_db()
    merchant_plan.refresh_from_db()
    assert (merchant_plan.status, tenant.status, tenant.status_reason) == (
        Status.CANCELLED,
        "suspended",
        "billing",
    )
    mail.outbox.clear()
    try:
        yield Lapsed(
            world=StoreWorld(tenant=tenant, merchant=merchant, owner=owner),
            merchant_plan=merchant_plan,
            shopper_email="shopper-lapsing@example.com",
        )
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        with schema_context(tenant.schema_name):
            if default_storage.exists("products/kept.txt"):
                default_storage.delete("products/kept.txt")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # rows this test wrote in the schema
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')


def _run(capture: Capture, now: datetime) -> Any:
    with capture(execute=True):
        return retention_run(now=now)


def _shopper_exists(lapsed: Lapsed) -> bool:
    with schema_context(lapsed.tenant.schema_name):
        return User.objects.filter(email=lapsed.shopper_email).exists()


def test_warnings_go_out_30_and_7_days_before_the_end_once_each(
    lapsed: Lapsed, django_capture_on_commit_callbacks: Capture
) -> None:
    now = timezone.now()
    since = now - 59 * DAY  # the period ends in 31 days
    lapsed.suspended_since(since)
    assert _run(django_capture_on_commit_callbacks, now).warned == 0
    # 30 days before the end (and an hour): the first warning, once
    at_30 = since + 60 * DAY + timedelta(hours=1)
    assert [_run(django_capture_on_commit_callbacks, at_30).warned for _ in range(2)] == [1, 0]
    # 7 days before the end: the second, once
    at_7 = since + 83 * DAY + timedelta(hours=1)
    assert [_run(django_capture_on_commit_callbacks, at_7).warned for _ in range(2)] == [1, 0]
    assert len(mail.outbox) == 2 and all(m.to == ["owner-lapsing@example.com"] for m in mail.outbox)
    assert "Lapsing Store" in mail.outbox[0].subject and "deleted for good" in mail.outbox[1].body
    scheduled = BillingAuditEntry.objects.filter(
        merchant=lapsed.world.merchant, action=BillingAuditEntry.Action.STORE_DELETION_SCHEDULED
    )
    assert sorted(entry.after["warning_days"] for entry in scheduled) == [7, 30]
    assert Tenant.objects.filter(pk=lapsed.tenant.pk).exists() and _shopper_exists(lapsed)


def test_nothing_is_deleted_the_day_before_the_period_ends(
    lapsed: Lapsed, django_capture_on_commit_callbacks: Capture
) -> None:
    now = timezone.now()
    lapsed.suspended_since(now - 89 * DAY)
    _run(django_capture_on_commit_callbacks, now)  # the 7-day warning
    lapsed.warnings_sent(now - 30 * DAY)  # as if sent long ago
    result = _run(django_capture_on_commit_callbacks, now)
    assert result.deleted == 0
    assert schema_exists(lapsed.tenant.schema_name) and _shopper_exists(lapsed)


def test_the_store_is_deleted_the_day_after_the_period_once_with_an_audit_entry(
    lapsed: Lapsed, beta: StoreWorld, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: suspended 91 days ago, warned 8 days ago
    now = timezone.now()
    lapsed.suspended_since(now - 91 * DAY)
    _run(django_capture_on_commit_callbacks, now - 8 * DAY)  # the 7-day warning
    lapsed.warnings_sent(now - 8 * DAY)
    mail.outbox.clear()
    schema = lapsed.tenant.schema_name
    # when: the job runs twice
    first = _run(django_capture_on_commit_callbacks, now)
    second = _run(django_capture_on_commit_callbacks, now)
    # then: deleted once: schema, row, files; audited and announced
    assert (first.deleted, second.deleted) == (1, 0)
    assert not schema_exists(schema)
    assert not Tenant.objects.filter(pk=lapsed.tenant.pk).exists()
    with schema_context(schema):
        assert not default_storage.exists("products/kept.txt")
    (entry,) = BillingAuditEntry.objects.filter(
        merchant=lapsed.world.merchant, action=BillingAuditEntry.Action.STORE_DELETED
    )
    assert entry.before["schema"] == schema and entry.before["store"] == "lapsing"
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject] and "deleted" in mail.outbox[
        0
    ].subject
    # another merchant's store is untouched
    assert schema_exists(beta.tenant.schema_name)
    assert Tenant.objects.get(pk=beta.tenant.pk).status == Tenant.Status.ACTIVE
    assert store_client(beta).get("/").status_code == 200


def test_a_store_never_warned_waits_for_a_warning_and_its_notice_period(
    lapsed: Lapsed, django_capture_on_commit_callbacks: Capture
) -> None:
    now = timezone.now()
    lapsed.suspended_since(now - 120 * DAY)  # the job was down for weeks
    result = _run(django_capture_on_commit_callbacks, now)
    assert (result.warned, result.deleted, result.waiting) == (1, 0, 1)
    assert schema_exists(lapsed.tenant.schema_name)
    assert _run(django_capture_on_commit_callbacks, now + 6 * DAY).deleted == 0
    assert _run(django_capture_on_commit_callbacks, now + 7 * DAY + timedelta(hours=1)).deleted == 1


def test_paying_before_the_end_restores_the_store_with_its_data(
    lapsed: Lapsed,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> None:
    now = timezone.now()
    lapsed.suspended_since(now - 89 * DAY)
    _run(django_capture_on_commit_callbacks, now)  # warned
    assert store_client(lapsed.world).get("/").status_code == 503
    # when: the merchant subscribes again
    _post(
        platform_client,
        fake_stripe_billing,
        django_capture_on_commit_callbacks,
        _subscription(
            fake_stripe_billing,
            lapsed.merchant_plan,
            "customer.subscription.created",
            "active",
            T0 + 86_400,
            "sub_new",
        ),
    )
    # then: serving again with its shopper and files; the job never deletes it
    lapsed.tenant.refresh_from_db()
    assert lapsed.tenant.status == Tenant.Status.ACTIVE
    assert store_client(lapsed.world).get("/").status_code == 200
    assert _shopper_exists(lapsed)
    with schema_context(lapsed.tenant.schema_name):
        assert default_storage.exists("products/kept.txt")
    later = now + 30 * DAY
    result = _run(django_capture_on_commit_callbacks, later)
    assert (result.warned, result.deleted, result.waiting) == (0, 0, 0)
    assert BillingNotice.objects.filter(merchant=lapsed.world.merchant, kind=Kind.REACTIVATED).count() == 1


def test_a_merchant_in_good_standing_or_in_grace_or_a_staff_suspension_is_never_touched(
    lapsed: Lapsed, django_capture_on_commit_callbacks: Capture
) -> None:
    # given: a store billing suspended long ago, but a merchant that is not lapsed (one store
    # provisioned for all cases: each is checked in turn)
    now = timezone.now()
    lapsed.suspended_since(now - 400 * DAY)
    cases = {
        "active": (Status.ACTIVE, None),
        "trialing": (Status.TRIALING, None),
        "comped": (Status.COMPED, None),
        "past_due_in_grace": (Status.PAST_DUE, now + DAY),
    }
    for case, (status, grace) in cases.items():
        MerchantPlan.objects.filter(pk=lapsed.merchant_plan.pk).update(status=status, grace_until=grace)
        # when
        result = _run(django_capture_on_commit_callbacks, now)
        # then
        assert (case, result.warned, result.deleted, result.waiting) == (case, 0, 0, 0)
    # a lapsed merchant's store that staff suspended for another reason is not billing's
    MerchantPlan.objects.filter(pk=lapsed.merchant_plan.pk).update(status=Status.CANCELLED, grace_until=None)
    Tenant.objects.filter(pk=lapsed.tenant.pk).update(status_reason="abuse report")
    result = _run(django_capture_on_commit_callbacks, now)
    assert (result.warned, result.deleted, result.waiting) == (0, 0, 0)
    assert schema_exists(lapsed.tenant.schema_name) and _shopper_exists(lapsed) and mail.outbox == []


def test_only_the_lapsed_merchants_stores_are_considered(
    lapsed: Lapsed, alpha: StoreWorld, beta: StoreWorld, django_capture_on_commit_callbacks: Capture
) -> None:
    # alpha's store is suspended for another reason by staff, beta's is active; both long ago
    store_suspend(tenant=alpha.tenant, actor=None, reason="abuse report")
    StoreAuditEntry.objects.update(created_at=timezone.now() - 400 * DAY)
    _run(django_capture_on_commit_callbacks, timezone.now() - 10 * DAY)
    lapsed.warnings_sent(timezone.now() - 10 * DAY)
    result = _run(django_capture_on_commit_callbacks, timezone.now())
    assert result.deleted == 1
    assert not Tenant.objects.filter(pk=lapsed.tenant.pk).exists()
    assert schema_exists(alpha.tenant.schema_name) and schema_exists(beta.tenant.schema_name)
    assert (
        not BillingNotice.objects.filter(merchant__in=[alpha.merchant, beta.merchant])
        .filter(kind__in=[Kind.DELETION_WARNING, Kind.STORE_DELETED])
        .exists()
    )
