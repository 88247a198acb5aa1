"""Switching plan from the console: the subscription item's price changes through the SDK
against the fake Stripe; a downgrade below current usage is refused with each limit named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.billing.models import BillingAuditEntry, MerchantPlan, Plan
from apps.billing.plan_change import PlanChangeError, merchant_plan_change, plan_change_blockers
from apps.billing.plan_sync import plan_push
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.tenants.models import Tenant
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(alpha: StoreWorld, fake_stripe_billing: FakeStripeBilling) -> tuple[MerchantPlan, Plan, str]:  # noqa: F811
    """Alpha on a pushed plan with a live subscription on the fake; returns (row, plan, sub id)."""
    plan = make_plan(name="Big", monthly_price=Decimal("50.00"), max_stores=10, max_products_per_store=100)
    plan_push(plan=plan)
    merchant_plan = merchant_on_plan(alpha.merchant, plan, status=MerchantPlan.Status.ACTIVE)
    customer_id = billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    subscription = fake_stripe_billing.subscription_add(customer=customer_id, price=plan.stripe_price_id)
    merchant_plan.refresh_from_db()
    merchant_plan.stripe_subscription_id = subscription["id"]
    merchant_plan.save()
    return merchant_plan, plan, subscription["id"]


def _pushed(**limits: object) -> Plan:
    plan = make_plan(monthly_price=Decimal("20.00"), **limits)
    plan_push(plan=plan)
    return plan


def test_switching_moves_the_subscription_item_to_the_new_price(
    alpha: StoreWorld,
    subscribed: tuple[MerchantPlan, Plan, str],
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    merchant_plan, _old, subscription_id = subscribed
    small = _pushed(name="Small", max_stores=5, max_products_per_store=50)
    # when
    merchant_plan_change(merchant=alpha.merchant, plan=small, actor=alpha.owner)
    # then
    item = fake_stripe_billing.subscriptions[subscription_id]["items"]["data"][0]
    assert item["price"]["id"] == small.stripe_price_id
    (update,) = fake_stripe_billing.requests_to("POST", f"/v1/subscriptions/{subscription_id}")
    assert update.params["proration_behavior"] == "create_prorations" and update.idempotency_key
    merchant_plan.refresh_from_db()
    assert merchant_plan.plan == small
    entry = BillingAuditEntry.objects.filter(merchant=alpha.merchant, action="plan_changed").first()
    assert entry is not None and entry.after["plan"] == small.code and entry.actor == alpha.owner


def test_a_downgrade_below_current_usage_is_refused_naming_each_limit_and_stripe_is_not_called(
    alpha: StoreWorld,
    subscribed: tuple[MerchantPlan, Plan, str],
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from apps.catalog.tests.factories import make_product

    merchant_plan, big, _subscription_id = subscribed
    # alpha has 2 stores and 3 products in its fullest store
    Tenant.objects.create(
        schema_name="alpha_second_x", slug="alpha-second-x", name="Second", merchant=alpha.merchant
    )
    with schema_context(alpha.tenant.schema_name):
        for title in ("One", "Two", "Three"):
            make_product(title)
    tiny = _pushed(name="Tiny", max_stores=1, max_products_per_store=2, max_staff_seats=None)
    # when
    with pytest.raises(PlanChangeError) as caught:
        merchant_plan_change(merchant=alpha.merchant, plan=tiny, actor=alpha.owner)
    # then
    error = caught.value
    assert error.code == "billing_plan_below_usage"
    exceeded = {row["limit"]: (row["used"], row["allowed"]) for row in error.params["exceeded"]}
    assert exceeded["max_stores"] == (2, 1)
    assert exceeded["max_products_per_store"][1] == 2 and exceeded["max_products_per_store"][0] >= 3
    assert "Stores: you use 2, the new plan allows 1" in error.message
    assert "Products per store: you use" in error.message
    assert fake_stripe_billing.requests_to("POST", "/v1/subscriptions") == []
    merchant_plan.refresh_from_db()
    assert merchant_plan.plan == big


def test_a_staff_override_counts_on_the_new_plan_too(
    alpha: StoreWorld,
    subscribed: tuple[MerchantPlan, Plan, str],
) -> None:
    merchant_plan, _big, _sub = subscribed
    Tenant.objects.create(
        schema_name="alpha_third_x", slug="alpha-third-x", name="Third", merchant=alpha.merchant
    )
    tiny = _pushed(max_stores=1)
    assert [b.limit.value for b in plan_change_blockers(merchant=alpha.merchant, plan=tiny)] == ["max_stores"]
    merchant_plan.limit_overrides = {"max_stores": 5}
    merchant_plan.save()
    assert plan_change_blockers(merchant=alpha.merchant, plan=tiny) == []


def test_without_a_subscription_the_switch_is_refused(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    merchant_on_plan(alpha.merchant, make_plan())
    with pytest.raises(PlanChangeError) as caught:
        merchant_plan_change(merchant=alpha.merchant, plan=_pushed(), actor=None)
    assert caught.value.code == "billing_not_subscribed"


def _change_url(world: StoreWorld, plan: Plan) -> str:
    return reverse(
        "billing_console:plan_change",
        kwargs={"merchant_uuid": world.merchant.uuid, "plan_code": plan.code},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def test_the_console_shows_the_refusal_reason_and_only_billing_managers_may_switch(
    alpha: StoreWorld,
    beta: StoreWorld,
    platform_client: Client,
    subscribed: tuple[MerchantPlan, Plan, str],
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from apps.accounts.models import User
    from apps.platform.models import Membership

    Tenant.objects.create(
        schema_name="alpha_fourth_x", slug="alpha-fourth-x", name="Fourth", merchant=alpha.merchant
    )
    tiny = _pushed(name="Tiny", max_stores=1)
    platform_client.force_login(alpha.owner)
    response = platform_client.post(_change_url(alpha, tiny), follow=True)
    assert response.status_code == 200
    assert b"Stores: you use 2, the new plan allows 1" in response.content
    # another merchant's owner: 404; a finance member: 403
    platform_client.force_login(beta.owner)
    assert platform_client.post(_change_url(alpha, tiny)).status_code == 404
    finance = User.objects.create_user("finance-change@example.com", "pw-123456789x")
    Membership.objects.create(merchant=alpha.merchant, user=finance, role=Membership.Role.FINANCE)
    platform_client.force_login(finance)
    assert platform_client.post(_change_url(alpha, tiny)).status_code == 403
    assert fake_stripe_billing.requests_to("POST", "/v1/subscriptions") == []
    # the billing page offers the switch to a subscribed owner
    platform_client.force_login(alpha.owner)
    page = platform_client.get(
        reverse(
            "platform:billing",
            kwargs={"merchant_uuid": alpha.merchant.uuid},
            urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        )
    )
    assert _change_url(alpha, tiny).encode() in page.content
