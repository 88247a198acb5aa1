"""The payment setup page: who may read and change it, the Stripe Connect round trip against the
fake, and that one store's setup is out of reach of another store's staff."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.core.permissions import Perm, view_permission
from apps.payments.dashboard import urls as payment_urls
from apps.payments.enums import StripeOnboardingStatus
from apps.payments.models import PaymentSettings
from apps.payments.selectors import payment_settings_get
from apps.payments.tests.factories import settings_set

pytestmark = pytest.mark.django_db

SETUP = "/dashboard/payments/"
CONNECT = "/dashboard/payments/stripe/connect/"
RETURN = "/dashboard/payments/stripe/return/"
REFRESH = "/dashboard/payments/stripe/refresh/"

SAVE = {
    "dummy_enabled": "on",
    "bank_transfer_enabled": "on",
    "bank_transfer_instructions": "Alpha GmbH, IBAN DE89 3704 0044 0532 0130 00",
    "cash_on_delivery_enabled": "on",
    "cash_on_delivery_instructions": "",
}


def _row(world) -> PaymentSettings:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return payment_settings_get()


def test_every_payment_url_declares_its_permission():
    declared = {pattern.name: view_permission(pattern.callback) for pattern in payment_urls.urlpatterns}  # type: ignore[union-attr,arg-type]
    expected = {
        "setup": (Perm.PAYMENTS_VIEW, Perm.PAYMENTS_MANAGE),
        "stripe_connect": (Perm.PAYMENTS_MANAGE, Perm.PAYMENTS_MANAGE),
        "stripe_return": (Perm.PAYMENTS_MANAGE, Perm.PAYMENTS_MANAGE),
        "stripe_refresh": (Perm.PAYMENTS_MANAGE, Perm.PAYMENTS_MANAGE),
    }
    assert {name: (d.read, d.write) if d else None for name, d in declared.items()} == expected


def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_change_the_setup(alpha, role_client, role):
    client = role_client(role)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert _dashboard_post_forms(page.content.decode()) == [
        '<form method="post" novalidate class="narrow-form" id="payment-settings">'
    ]
    response = client.post(SETUP, SAVE)
    assert response.status_code == 302
    row = _row(alpha)
    assert row.bank_transfer_enabled and row.cash_on_delivery_enabled and row.dummy_enabled
    assert row.bank_transfer_instructions == SAVE["bank_transfer_instructions"]


def test_finance_reads_but_cannot_change(alpha, role_client):
    client = role_client("finance")
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Save payment settings" not in html and "disabled" in html
    assert client.post(SETUP, SAVE).status_code == 403
    assert client.post(CONNECT).status_code == 403
    assert client.get(RETURN).status_code == 403
    assert not _row(alpha).bank_transfer_enabled


def test_finance_sees_the_saved_setup_without_a_form_to_submit(alpha, role_client):
    assert role_client("owner").post(SETUP, SAVE).status_code == 302
    html = role_client("finance").get(SETUP).content.decode()
    assert SAVE["bank_transfer_instructions"] in html
    assert re.search(r'<input type="checkbox" name="bank_transfer_enabled"[^>]*\bdisabled\b', html)
    assert "owners and admins can change it" in html
    assert _dashboard_post_forms(html) == []


def test_staff_can_neither_read_nor_change(alpha, role_client):
    client = role_client("staff")
    assert client.get(SETUP).status_code == 403
    assert client.post(SETUP, SAVE).status_code == 403
    assert client.post(CONNECT).status_code == 403
    assert not _row(alpha).bank_transfer_enabled


def test_signed_out_visitors_are_sent_to_sign_in(alpha):
    from tests.fixtures import store_client

    response = store_client(alpha).get(SETUP)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bank_transfer_needs_instructions(alpha, role_client):
    response = role_client("owner").post(SETUP, {**SAVE, "bank_transfer_instructions": "  "})
    assert response.status_code == 200
    assert "Enter the bank details" in response.content.decode()
    assert not _row(alpha).bank_transfer_enabled


def test_the_page_lists_what_shoppers_see_now(alpha, role_client):
    html = role_client("owner").get(SETUP).content.decode()
    assert 'data-gateway="dummy"' in html
    assert 'data-gateway="bank_transfer"' not in html


def test_the_dummy_switch_is_hidden_when_the_platform_refuses_it(alpha, role_client, settings):
    settings.PAYMENTS_DUMMY_ENABLED = False
    client = role_client("owner")
    html = client.get(SETUP).content.decode()
    assert 'name="dummy_enabled"' not in html
    # saving the other fields leaves the store's own choice as it was
    client.post(SETUP, {**SAVE, "dummy_enabled": ""})
    assert _row(alpha).dummy_enabled is True


def test_connect_with_stripe_round_trip(alpha, role_client, fake_stripe):
    client = role_client("owner")
    # when the merchant clicks "Connect with Stripe"
    response = client.post(CONNECT)
    # then they are sent to Stripe's onboarding, which will come back to this store's dashboard
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_stripe.base_url}/fake/onboarding/")
    [link] = fake_stripe.requests_to("POST", "/v1/account_links")
    assert link.params["return_url"] == f"http://{alpha.host}{RETURN}"
    assert link.params["refresh_url"] == f"http://{alpha.host}{REFRESH}"
    account_id = _row(alpha).stripe_account_id
    assert account_id in fake_stripe.accounts
    # when the link expired, the refresh URL makes a new one for the same account
    assert client.get(REFRESH)["Location"].startswith(f"{fake_stripe.base_url}/fake/onboarding/")
    assert len(fake_stripe.requests_to("POST", "/v1/accounts")) == 1
    # when they finish onboarding and come back
    fake_stripe.account_complete(account_id)
    response = client.get(RETURN)
    assert response.status_code == 302 and response["Location"] == SETUP
    assert _row(alpha).stripe_onboarding_status == StripeOnboardingStatus.COMPLETE
    # and shoppers see card payments now
    html = client.get(SETUP).content.decode()
    assert 'data-gateway="stripe"' in html
    assert "Ready to take payments" in html
    # until the merchant switches them off
    client.post(SETUP, SAVE)
    assert 'data-gateway="stripe"' not in client.get(SETUP).content.decode()


def test_connect_without_platform_keys_explains_instead_of_failing(alpha, role_client, settings):
    settings.STRIPE_SECRET_KEY = ""
    client = role_client("owner")
    response = client.post(CONNECT, follow=True)
    assert response.status_code == 200
    assert "not set up on this platform" in response.content.decode()
    assert client.get(RETURN).status_code == 302


def test_another_stores_staff_never_see_or_change_this_setup(alpha, beta, role_client, fake_stripe):
    with schema_context(alpha.tenant.schema_name):
        settings_set(
            bank_transfer_enabled=True,
            bank_transfer_instructions="ALPHA-SECRET-IBAN",
            stripe_account_id="acct_alphasecret1",
        )
    beta_owner = role_client("owner", beta)
    html = beta_owner.get(SETUP).content.decode()
    assert "ALPHA-SECRET-IBAN" not in html and "acct_alphasecret1" not in html
    # beta's changes and onboarding land in beta's row only
    beta_owner.post(SETUP, {**SAVE, "bank_transfer_instructions": "BETA-IBAN"})
    beta_owner.post(CONNECT)
    alpha_row, beta_row = _row(alpha), _row(beta)
    assert alpha_row.bank_transfer_instructions == "ALPHA-SECRET-IBAN"
    assert alpha_row.stripe_account_id == "acct_alphasecret1"
    assert beta_row.bank_transfer_instructions == "BETA-IBAN"
    assert beta_row.stripe_account_id not in ("", "acct_alphasecret1")
    # and alpha's staff do not reach beta's page through alpha's domain either
    assert "BETA-IBAN" not in role_client("owner").get(SETUP).content.decode()


def test_the_nav_shows_payments_to_finance_not_to_staff(alpha, role_client):
    assert 'href="/dashboard/payments/"' in role_client("finance").get("/dashboard/").content.decode()
    assert 'href="/dashboard/payments/"' not in role_client("staff").get("/dashboard/").content.decode()
