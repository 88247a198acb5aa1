"""Stripe Connect onboarding for a store, against the fake Stripe through the real SDK."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.payments.connect import stripe_account_refresh, stripe_account_status_apply, stripe_connect_start
from apps.payments.enums import StripeOnboardingStatus
from apps.payments.errors import AccountRouteConflict, GatewayUnavailable, StripeNotConfigured
from apps.payments.platform.models import ConnectedAccountRoute
from apps.payments.platform.routes import connected_account_route_record, connected_account_tenant
from apps.payments.selectors import payment_settings_get

pytestmark = pytest.mark.django_db

RETURN = "http://alpha.platform.test/dashboard/payments/stripe/return/"
REFRESH = "http://alpha.platform.test/dashboard/payments/stripe/refresh/"


def test_start_creates_an_express_account_routes_it_and_links_to_onboarding(in_alpha, fake_stripe):
    # when
    url = stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    # then the merchant is sent to Stripe's hosted onboarding
    assert url.startswith(f"{fake_stripe.base_url}/fake/onboarding/")
    row = payment_settings_get()
    assert row.stripe_account_id.startswith("acct_")
    assert row.stripe_onboarding_status == StripeOnboardingStatus.PENDING
    assert "external_account" in row.stripe_requirements_due
    assert row.stripe_enabled  # offered to shoppers as soon as the account can charge
    # and the account routes to this store in the public lookup table
    assert connected_account_tenant(account_id=row.stripe_account_id) == in_alpha.tenant
    [create] = fake_stripe.requests_to("POST", "/v1/accounts")
    assert create.params["type"] == "express"
    assert create.params["capabilities"] == {
        "card_payments": {"requested": "true"},
        "transfers": {"requested": "true"},
    }
    assert create.params["metadata"]["store_schema"] == in_alpha.tenant.schema_name
    assert create.idempotency_key == f"connect-account-{in_alpha.tenant.uuid}"
    [link] = fake_stripe.requests_to("POST", "/v1/account_links")
    assert link.params == {
        "account": row.stripe_account_id,
        "refresh_url": REFRESH,
        "return_url": RETURN,
        "type": "account_onboarding",
    }
    assert link.idempotency_key.startswith(f"account-link-{row.stripe_account_id}-")


def test_starting_again_reuses_the_account(in_alpha, fake_stripe):
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    first = payment_settings_get().stripe_account_id
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    assert payment_settings_get().stripe_account_id == first
    assert len(fake_stripe.requests_to("POST", "/v1/accounts")) == 1
    assert len(fake_stripe.requests_to("POST", "/v1/account_links")) == 2  # a fresh link each time
    assert ConnectedAccountRoute.objects.filter(account_id=first).count() == 1


def test_a_lost_answer_is_retried_into_the_same_account(in_alpha, fake_stripe):
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    account_id = payment_settings_get().stripe_account_id
    # given the account id was never stored (the answer was lost)
    from apps.payments.tests.factories import settings_set

    settings_set(stripe_account_id="")
    # when the merchant clicks again
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    # then Stripe answers the same key with the same account
    assert payment_settings_get().stripe_account_id == account_id
    assert len(fake_stripe.accounts) == 1


def test_refresh_after_onboarding_makes_the_store_ready(in_alpha, fake_stripe):
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    account_id = payment_settings_get().stripe_account_id
    fake_stripe.account_complete(account_id)
    # when
    row = stripe_account_refresh()
    # then
    assert row.stripe_onboarding_status == StripeOnboardingStatus.COMPLETE
    assert (row.stripe_charges_enabled, row.stripe_payouts_enabled, row.stripe_details_submitted) == (
        True,
        True,
        True,
    )
    assert row.stripe_requirements_due == []


def test_refresh_without_an_account_or_keys_is_refused(in_alpha, settings):
    with pytest.raises(GatewayUnavailable):
        stripe_account_refresh()
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(StripeNotConfigured):
        stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)


def test_an_older_account_state_never_overwrites_a_newer_one(in_alpha, fake_stripe):
    stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
    account = dict(fake_stripe.account_complete(payment_settings_get().stripe_account_id))
    now = timezone.now()
    assert stripe_account_status_apply(account=account, occurred_at=now) is True
    stale = {**account, "charges_enabled": False, "details_submitted": False}
    # when an older state arrives late
    assert stripe_account_status_apply(account=stale, occurred_at=now - timedelta(seconds=5)) is False
    # then the newer one stands
    assert payment_settings_get().stripe_onboarding_status == StripeOnboardingStatus.COMPLETE
    # and another account's state is never applied to this store
    other = {**account, "id": "acct_someoneelse"}
    assert stripe_account_status_apply(account=other, occurred_at=now + timedelta(seconds=5)) is False


def test_one_account_never_routes_to_two_stores(alpha, beta):
    connected_account_route_record(account_id="acct_shared1", tenant=alpha.tenant)
    connected_account_route_record(account_id="acct_shared1", tenant=alpha.tenant)  # idempotent
    with pytest.raises(AccountRouteConflict):
        connected_account_route_record(account_id="acct_shared1", tenant=beta.tenant)
    assert connected_account_tenant(account_id="acct_shared1") == alpha.tenant
    assert connected_account_tenant(account_id="acct_unknown") is None


def test_each_store_keeps_its_own_account(alpha, beta, fake_stripe):
    with schema_context(alpha.tenant.schema_name):
        stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
        alpha_account = payment_settings_get().stripe_account_id
    with schema_context(beta.tenant.schema_name):
        assert payment_settings_get().stripe_account_id == ""
        stripe_connect_start(refresh_url=REFRESH, return_url=RETURN)
        beta_account = payment_settings_get().stripe_account_id
    assert alpha_account != beta_account
    assert connected_account_tenant(account_id=alpha_account) == alpha.tenant
    assert connected_account_tenant(account_id=beta_account) == beta.tenant
