"""The Customer Portal cannot switch plans: every Portal session names the platform's own
configuration (plan switching off), made once and set back when changed on Stripe."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.billing.models import BillingStripeObject, MerchantPlan
from apps.billing.plan_sync import plans_push
from apps.billing.stripe_setup import PORTAL_CONFIGURATION_KEY
from apps.billing.subscriptions import billing_customer_ensure, portal_session_create
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

CONFIGURATIONS = "/v1/billing_portal/configurations"


@pytest.fixture
def customer(alpha: StoreWorld, fake_stripe_billing: FakeStripeBilling) -> MerchantPlan:  # noqa: F811
    merchant_plan = merchant_on_plan(alpha.merchant, make_plan(stripe_price_id="price_growth_monthly"))
    billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    merchant_plan.refresh_from_db()
    return merchant_plan


def _portal_url(world: StoreWorld) -> str:
    return reverse(
        "billing_console:portal",
        kwargs={"merchant_uuid": world.merchant.uuid},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def _features(fake: FakeStripeBilling, configuration_id: str) -> dict[str, Any]:
    return fake.portal_configurations[configuration_id]["features"]


def test_the_console_opens_the_portal_with_plan_switching_off(
    alpha: StoreWorld,
    platform_client: Client,
    customer: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    platform_client.force_login(alpha.owner)
    # when: the owner opens the Portal twice
    first = platform_client.post(_portal_url(alpha))
    second = platform_client.post(_portal_url(alpha))
    # then: both sessions name one configuration, made once, that cannot switch plans
    assert first.status_code == second.status_code == 302
    sessions = list(fake_stripe_billing.portal_sessions.values())
    assert len(sessions) == 2
    assert sessions[0]["configuration"] == sessions[1]["configuration"]
    configuration_id = sessions[0]["configuration"]
    assert not fake_stripe_billing.portal_configurations[configuration_id]["is_default"]
    features = _features(fake_stripe_billing, configuration_id)
    assert features["subscription_update"]["enabled"] is False
    assert features["customer_update"]["enabled"] is False  # address and VAT id: the console
    assert features["payment_method_update"]["enabled"] is True
    assert features["invoice_history"]["enabled"] is True
    assert features["subscription_cancel"]["enabled"] is True
    assert features["subscription_cancel"]["mode"] == "at_period_end"
    (create,) = fake_stripe_billing.requests_to("POST", CONFIGURATIONS)
    assert create.idempotency_key
    assert BillingStripeObject.objects.get(key=PORTAL_CONFIGURATION_KEY).stripe_id == configuration_id


def test_the_plan_sync_makes_the_configuration_once_and_sets_back_a_hand_change(
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    make_plan(stripe_price_id="")
    plans_push()
    (configuration_id,) = fake_stripe_billing.portal_configurations
    # a second sync only reads it
    plans_push()
    assert len(fake_stripe_billing.portal_configurations) == 1
    assert len(fake_stripe_billing.requests_to("POST", CONFIGURATIONS)) == 1
    # someone switches plan changes on in Stripe's Dashboard: the next sync switches them off
    _features(fake_stripe_billing, configuration_id)["subscription_update"]["enabled"] = True
    plans_push()
    assert _features(fake_stripe_billing, configuration_id)["subscription_update"]["enabled"] is False
    assert len(fake_stripe_billing.portal_configurations) == 1
    assert fake_stripe_billing.requests_to("POST", f"{CONFIGURATIONS}/{configuration_id}")


def test_a_configuration_stripe_no_longer_has_is_made_again_for_the_session(
    alpha: StoreWorld,
    customer: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    BillingStripeObject.objects.create(key=PORTAL_CONFIGURATION_KEY, stripe_id="bpc_gone")
    # when
    url = portal_session_create(merchant=alpha.merchant, return_url="https://platform.example/back/")
    # then: a session on a new configuration without plan switching
    (session,) = fake_stripe_billing.portal_sessions.values()
    assert url == session["url"]
    assert session["configuration"] != "bpc_gone"
    assert _features(fake_stripe_billing, session["configuration"])["subscription_update"]["enabled"] is False
    assert BillingStripeObject.objects.get(key=PORTAL_CONFIGURATION_KEY).stripe_id == session["configuration"]
