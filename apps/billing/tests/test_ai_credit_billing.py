"""AI credits are billed: the plan sync makes the AI-credits Billing Meter and a metered price
per plan (credits beyond the plan's included ones), and Checkout subscribes to it as a second
line; switching plan moves that line too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from djstripe.models import Price as DjstripePrice

from apps.billing.metering import usage_report_pending
from apps.billing.models import BillingStripeObject, MerchantPlan, Meter, Plan, UsageRecord
from apps.billing.plan_change import merchant_plan_change
from apps.billing.plan_sync import plan_push, plans_push
from apps.billing.subscriptions import billing_customer_ensure, checkout_session_create
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

METERS = "/v1/billing/meters"


def _credits_plan(**fields: Any) -> Plan:
    values: dict[str, Any] = {
        "monthly_price": Decimal("29.00"),
        "ai_credits_per_month": 1000,
        "ai_credit_price": Decimal("0.0200"),
    }
    values.update(fields)
    return make_plan(**values)


def test_the_plan_sync_makes_the_meter_and_a_graduated_metered_price(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = _credits_plan()
    # when
    result = plan_push(plan=plan)
    # then: one meter summing the reporter's events per customer
    (meter,) = fake_stripe_billing.meters.values()
    assert meter["event_name"] == Meter.AI_CREDITS == "ai_credits"
    assert meter["default_aggregation"] == {"formula": "sum"}
    assert meter["customer_mapping"] == {"event_payload_key": "stripe_customer_id", "type": "by_id"}
    assert meter["value_settings"] == {"event_payload_key": "value"}
    assert BillingStripeObject.objects.get(key="meter:ai_credits").stripe_id == meter["id"]
    # and a metered price on it: the plan's 1,000 credits free, then 2 cents each
    plan.refresh_from_db()
    metered = fake_stripe_billing.prices[plan.stripe_metered_price_id]
    assert result.metered_price_id == metered["id"] and "metered_price" in result.created
    assert metered["product"] == plan.stripe_product_id
    assert metered["recurring"]["usage_type"] == "metered" and metered["recurring"]["meter"] == meter["id"]
    assert (metered["billing_scheme"], metered["tiers_mode"], metered["currency"]) == (
        "tiered",
        "graduated",
        "eur",
    )
    tiers = fake_stripe_billing.price_tiers[metered["id"]]
    assert [(t["up_to"], t["unit_amount_decimal"]) for t in tiers] == [(1000, "0"), (None, "2")]
    assert DjstripePrice.objects.filter(id=metered["id"]).exists()
    # a second push, and a second plan, make no second meter and no new price for this plan
    prices = len(fake_stripe_billing.prices)
    assert not plan_push(plan=plan).changed
    assert len(fake_stripe_billing.prices) == prices
    plan_push(plan=_credits_plan(ai_credits_per_month=5000))
    assert len(fake_stripe_billing.meters) == 1
    assert len(fake_stripe_billing.requests_to("POST", METERS)) == 1


def test_a_changed_credit_price_replaces_the_metered_price_and_no_price_archives_it(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = _credits_plan()
    plan_push(plan=plan)
    first = plan.stripe_metered_price_id
    # when: the credit price changes
    plan.ai_credit_price = Decimal("0.005")
    plan.save()
    result = plan_push(plan=plan)
    # then: a new price (half a cent) takes the lookup key, the old one is archived
    plan.refresh_from_db()
    second = plan.stripe_metered_price_id
    assert second != first and result.archived == [first]
    assert fake_stripe_billing.price_tiers[second][1]["unit_amount_decimal"] == "0.5"
    assert fake_stripe_billing.prices[first]["active"] is False
    assert fake_stripe_billing.prices[second]["lookup_key"] == f"plan-{plan.code}-ai-credits"
    # when: the plan stops billing credits
    plan.ai_credit_price = None
    plan.save()
    plan_push(plan=plan)
    plan.refresh_from_db()
    assert plan.stripe_metered_price_id == ""
    assert fake_stripe_billing.prices[second]["active"] is False


def test_unlimited_credits_with_a_price_bill_every_credit_and_a_meter_made_by_hand_is_used(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    by_hand = fake_stripe_billing._meter(
        "POST",
        "",
        {"display_name": "AI", "event_name": "ai_credits", "default_aggregation": {"formula": "sum"}},
    )
    plan = _credits_plan(ai_credits_per_month=None, ai_credit_price=Decimal("0.01"))
    plans_push(plans=[plan])
    plan.refresh_from_db()
    metered = fake_stripe_billing.prices[plan.stripe_metered_price_id]
    assert list(fake_stripe_billing.meters) == [by_hand["id"]]
    assert metered["recurring"]["meter"] == by_hand["id"]
    assert (metered["billing_scheme"], metered["unit_amount_decimal"]) == ("per_unit", "1")


def test_checkout_adds_the_metered_price_as_a_second_line_without_quantity(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = _credits_plan()
    plain = make_plan(monthly_price=Decimal("9.00"))
    plans_push(plans=[plan, plain])
    for chosen, attempt in ((plan, "a1"), (plain, "a2")):
        checkout_session_create(
            merchant=alpha.merchant,
            plan=chosen,
            email=alpha.owner.email,
            success_url="https://platform.example/ok/",
            cancel_url="https://platform.example/no/",
            attempt=attempt,
        )
    with_credits, without = fake_stripe_billing.checkout_sessions.values()
    assert with_credits["line_items_requested"] == [
        {"price": plan.stripe_price_id, "quantity": "1"},
        {"price": plan.stripe_metered_price_id},
    ]
    assert without["line_items_requested"] == [{"price": plain.stripe_price_id, "quantity": "1"}]


def test_reported_credits_reach_the_meter_the_price_is_on(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = _credits_plan()
    plans_push(plans=[plan])
    merchant_on_plan(alpha.merchant, plan)
    billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    UsageRecord.objects.create(
        tenant=alpha.tenant, merchant=alpha.merchant, meter=Meter.AI_CREDITS, quantity=3, idempotency_key="k1"
    )
    assert usage_report_pending().reported == 1
    (event,) = fake_stripe_billing.meter_events.values()
    (meter,) = fake_stripe_billing.meters.values()
    assert event["event_name"] == meter["event_name"]
    plan.refresh_from_db()
    assert fake_stripe_billing.prices[plan.stripe_metered_price_id]["recurring"]["meter"] == meter["id"]


def test_switching_plan_moves_the_metered_line_too(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    big = _credits_plan(name="Big", max_stores=10)
    bigger = _credits_plan(name="Bigger", max_stores=20, ai_credit_price=Decimal("0.01"))
    plain = make_plan(name="Plain", monthly_price=Decimal("60.00"), max_stores=30)
    plans_push(plans=[big, bigger, plain])
    merchant_plan = merchant_on_plan(alpha.merchant, big, status=MerchantPlan.Status.ACTIVE)
    customer_id = billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    subscription = fake_stripe_billing.subscription_add(customer=customer_id, price=big.stripe_price_id)
    fake_stripe_billing._subscription(
        "POST",
        subscription["id"],
        {"items": [{"price": big.stripe_metered_price_id}]},
    )
    merchant_plan.refresh_from_db()
    merchant_plan.stripe_subscription_id = subscription["id"]
    merchant_plan.save()

    def prices() -> list[str]:
        items = fake_stripe_billing.subscriptions[subscription["id"]]["items"]["data"]
        return [item["price"]["id"] for item in items]

    # when / then: both lines move to the new plan's prices
    merchant_plan_change(merchant=alpha.merchant, plan=bigger, actor=alpha.owner)
    assert prices() == [bigger.stripe_price_id, bigger.stripe_metered_price_id]
    # a plan that does not bill credits drops the metered line
    merchant_plan_change(merchant=alpha.merchant, plan=plain, actor=alpha.owner)
    assert prices() == [plain.stripe_price_id]
