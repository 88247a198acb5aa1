"""Plans pushed to Stripe as Products and monthly Prices through the real SDK against the fake
Stripe, and mirrored into dj-stripe's tables."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from djstripe.models import Price as DjstripePrice
from djstripe.models import Product as DjstripeProduct

from apps.billing.models import BillingAuditEntry, Plan
from apps.billing.plan_sync import plan_push, plans_push
from apps.billing.subscriptions import SubscriptionError
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan

pytestmark = pytest.mark.django_db


def test_a_plan_becomes_a_product_and_a_monthly_price_synced_into_djstripe(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    # given
    plan = make_plan(name="Growth Test", monthly_price=Decimal("29.00"), currency="EUR")
    # when
    result = plan_push(plan=plan)
    # then: Stripe has one product and one recurring price of 2900 cents
    plan.refresh_from_db()
    (product,) = fake_stripe_billing.products.values()
    (price,) = fake_stripe_billing.prices.values()
    assert result.created == ["product", "price"]
    assert (plan.stripe_product_id, plan.stripe_price_id) == (product["id"], price["id"])
    assert product["name"] == "Growth Test" and product["metadata"] == {"plan_code": plan.code}
    assert (price["unit_amount"], price["currency"], price["recurring"]["interval"]) == (2900, "eur", "month")
    assert price["lookup_key"] == f"plan-{plan.code}-monthly"
    # every create carried an idempotency key
    creates = fake_stripe_billing.requests_to("POST", "/v1/products") + fake_stripe_billing.requests_to(
        "POST", "/v1/prices"
    )
    assert creates and all(request.idempotency_key for request in creates)
    # and dj-stripe knows both, in the public schema
    synced_product = DjstripeProduct.objects.get(id=product["id"])
    synced_price = DjstripePrice.objects.get(id=price["id"])
    assert synced_product.name == "Growth Test"
    assert synced_price.product_id == product["id"] and synced_price.active
    assert synced_price.unit_amount == 2900
    assert BillingAuditEntry.objects.filter(action="plan_edited", after__code=plan.code).exists()
    # dj-stripe's own call (the product's features) reached the fake, not api.stripe.com
    assert fake_stripe_billing.requests_to("GET", f"/v1/products/{product['id']}/features")


def test_pushing_twice_creates_nothing_new(fake_stripe_billing: FakeStripeBilling) -> None:  # noqa: F811
    plan = make_plan(monthly_price=Decimal("9.00"))
    plan_push(plan=plan)
    audits = BillingAuditEntry.objects.count()
    # when
    again = plan_push(plan=plan)
    # then
    assert not again.changed
    assert len(fake_stripe_billing.products) == 1 and len(fake_stripe_billing.prices) == 1
    assert DjstripeProduct.objects.count() == 1 and DjstripePrice.objects.count() == 1
    assert BillingAuditEntry.objects.count() == audits


def test_a_changed_price_makes_a_new_price_and_archives_the_old_one(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    # given
    plan = make_plan(name="Scale Test", monthly_price=Decimal("10.00"))
    plan_push(plan=plan)
    old_price_id = plan.stripe_price_id
    product_id = plan.stripe_product_id
    # when: staff change the price and the name
    Plan.objects.filter(pk=plan.pk).update(monthly_price=Decimal("12.50"), name="Scale Renamed")
    plan.refresh_from_db()
    result = plan_push(plan=plan)
    # then
    plan.refresh_from_db()
    assert result.created == ["price"] and result.updated == ["product"] and result.archived == [old_price_id]
    assert plan.stripe_product_id == product_id and plan.stripe_price_id != old_price_id
    old, new = fake_stripe_billing.prices[old_price_id], fake_stripe_billing.prices[plan.stripe_price_id]
    assert (old["active"], new["active"], new["unit_amount"]) == (False, True, 1250)
    assert (old["lookup_key"], new["lookup_key"]) == (None, f"plan-{plan.code}-monthly")
    assert fake_stripe_billing.products[product_id]["name"] == "Scale Renamed"
    assert not DjstripePrice.objects.get(id=old_price_id).active
    assert DjstripePrice.objects.get(id=plan.stripe_price_id).active
    assert DjstripeProduct.objects.get(id=product_id).name == "Scale Renamed"
    # and pushing again is a no-op
    assert not plan_push(plan=plan).changed
    assert len(fake_stripe_billing.prices) == 2


def test_a_push_that_crashed_before_saving_the_ids_gets_the_same_objects_again(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = make_plan(monthly_price=Decimal("5.00"))
    plan_push(plan=plan)
    # the ids were lost (as if the process died after Stripe answered)
    Plan.objects.filter(pk=plan.pk).update(stripe_product_id="", stripe_price_id="")
    plan.refresh_from_db()
    plan_push(plan=plan)
    assert len(fake_stripe_billing.products) == 1 and len(fake_stripe_billing.prices) == 1


def test_a_free_plan_gets_a_zero_price(fake_stripe_billing: FakeStripeBilling) -> None:  # noqa: F811
    plan = make_plan(monthly_price=Decimal("0.00"))
    plan_push(plan=plan)
    assert fake_stripe_billing.prices[plan.stripe_price_id]["unit_amount"] == 0


def test_without_stripe_configured_the_push_is_refused_with_a_clear_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.STRIPE_SECRET_KEY = ""
    plan = make_plan()
    with pytest.raises(SubscriptionError) as caught:
        plan_push(plan=plan)
    assert caught.value.code == "billing_stripe_not_configured"
    plan.refresh_from_db()
    assert plan.stripe_product_id == ""


def test_the_management_command_pushes_every_plan_or_the_named_ones(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    first, second = make_plan(), make_plan()
    out = StringIO()
    call_command("billing_plans_push", first.code, stdout=out)
    assert f"{first.code}: prod_" in out.getvalue() and "created product" in out.getvalue()
    assert len(fake_stripe_billing.products) == 1
    out = StringIO()
    call_command("billing_plans_push", stdout=out)
    # the seeded plans and `second` are created, `first` is unchanged
    assert f"{first.code}: " in out.getvalue() and "unchanged" in out.getvalue()
    assert len(fake_stripe_billing.products) == Plan.objects.count()
    second.refresh_from_db()
    assert second.stripe_price_id.startswith("price_")
    with pytest.raises(CommandError, match="No such plan: nope"):
        call_command("billing_plans_push", "nope")


def test_the_admin_action_pushes_the_selected_plans(
    staff_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    plan = make_plan()
    response = staff_client.post(
        "/admin/billing/plan/",
        {"action": "push_to_stripe", "_selected_action": [plan.pk]},
        follow=True,
    )
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.stripe_product_id in fake_stripe_billing.products
    assert b"1 plan(s) pushed to Stripe, 1 changed." in response.content


def test_plans_push_with_an_explicit_list(fake_stripe_billing: FakeStripeBilling) -> None:  # noqa: F811
    plan = make_plan()
    (result,) = plans_push(plans=[plan])
    assert result.plan == plan.code and result.price_id.startswith("price_")
