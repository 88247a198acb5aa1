"""The currencies page: owners and admins set and remove rates, save the feed and refresh it;
finance reads only; staff is refused; bad input is shown next to its field and saves nothing;
one store's rates never show on another's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from apps.core.permissions import Perm, view_permission
from apps.stores.dashboard.currencies import currencies
from apps.stores.exchange_rates import exchange_rate_set
from apps.stores.models import ExchangeRate, ExchangeRateFeed
from apps.stores.tests.factories import settings_change
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/store/currencies/"


def _client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-currencies@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def _eur(world: StoreWorld) -> None:
    with tenant_context(world.tenant):
        settings_change(currency="EUR")


def test_the_page_declares_settings_view_and_settings_manage():
    declared = view_permission(currencies)
    assert declared is not None and (declared.read, declared.write) == (
        Perm.SETTINGS_VIEW,
        Perm.SETTINGS_MANAGE,
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_set_and_remove_a_rate(alpha, role):
    _eur(alpha)
    client = _client(alpha, role)
    response = client.post(URL, {"action": "rate", "rate-currency": "USD", "rate-rate": "1.0866"})
    assert response.status_code == 302
    page = client.get(URL)
    assert 'id="rate-USD"' in page.text and "1.0866" in page.text and "$10.87" in page.text
    with tenant_context(alpha.tenant):
        assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.0866")
    client.post(URL, {"action": "delete", "currency": "USD"})
    with tenant_context(alpha.tenant):
        assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"rate-currency": "USD", "rate-rate": "-2"}, "rate", "is not a rate"),
        ({"rate-currency": "USD", "rate-rate": "lots"}, "rate", "“lots” is not a rate"),
        ({"rate-currency": "EUR", "rate-rate": "1"}, "currency", "is not one of the available choices"),
        ({"rate-currency": "", "rate-rate": "1"}, "currency", "This field is required"),
    ],
)
def test_a_bad_rate_is_shown_next_to_its_field_and_nothing_saved(alpha, data, field, text):
    _eur(alpha)
    response = _client(alpha, "owner").post(URL, {"action": "rate", **data})
    assert response.status_code == 200
    assert any(text in error for error in response.context["rate_form"].errors[field])
    with tenant_context(alpha.tenant):
        assert not ExchangeRate.objects.exists()


def test_the_feed_settings_are_saved_and_a_private_address_is_refused(alpha):
    _eur(alpha)
    client = _client(alpha, "admin")
    refused = client.post(
        URL,
        {
            "action": "feed",
            "feed-enabled": "on",
            "feed-url": "http://192.168.0.10/rates.xml",
            "feed-currencies": "",
        },
    )
    assert refused.status_code == 200 and "private or local address" in refused.text
    with tenant_context(alpha.tenant):
        assert not ExchangeRateFeed.objects.exists()
    saved = client.post(
        URL,
        {
            "action": "feed",
            "feed-enabled": "on",
            "feed-url": "https://rates.example.com/daily.xml",
            "feed-currencies": "usd gbp, JPY",
        },
    )
    assert saved.status_code == 302
    with tenant_context(alpha.tenant):
        feed = ExchangeRateFeed.objects.get()
    assert feed.enabled and feed.currencies == ["GBP", "JPY", "USD"]


def test_refresh_now_takes_the_feed_and_a_failure_is_shown(alpha, feed_server):
    _eur(alpha)
    client = _client(alpha, "owner")
    client.post(
        URL,
        {
            "action": "feed",
            "feed-url": feed_server.url("/eurofxref-daily.xml"),
            "feed-currencies": "USD, JPY",
        },
    )
    done = client.post(URL, {"action": "refresh"}, follow=True)
    assert "Rates refreshed: 2 updated." in done.text and 'id="rate-JPY"' in done.text
    client.post(
        URL, {"action": "feed", "feed-url": feed_server.url("/broken"), "feed-currencies": "USD, JPY"}
    )
    failed = client.post(URL, {"action": "refresh"}, follow=True)
    assert "HTTP 500" in failed.text and 'id="feed-error"' in failed.text
    assert 'id="rate-JPY"' in failed.text  # the earlier rates stay


def test_finance_reads_but_cannot_change_and_staff_is_refused(alpha):
    _eur(alpha)
    with tenant_context(alpha.tenant):
        exchange_rate_set(currency="USD", rate="1.1")
    finance = _client(alpha, "finance")
    page = finance.get(URL)
    assert page.status_code == 200 and 'id="rate-USD"' in page.text
    assert 'id="rate-form"' not in page.text and 'id="refresh-form"' not in page.text
    for data in (
        {"action": "delete", "currency": "USD"},
        {"action": "rate", "rate-currency": "GBP", "rate-rate": "1"},
    ):
        assert finance.post(URL, data).status_code == 403
    with tenant_context(alpha.tenant):
        assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["USD"]
    assert _client(alpha, "staff").get(URL).status_code == 403


def test_beta_never_sees_or_removes_alphas_rates(alpha, beta):
    _eur(alpha)
    _eur(beta)
    with tenant_context(alpha.tenant):
        exchange_rate_set(currency="CHF", rate="0.94")
    client = _client(beta, "owner")
    assert 'id="rate-CHF"' not in client.get(URL).text
    response = client.post(URL, {"action": "delete", "currency": "CHF"}, follow=True)
    assert "There is no rate for “CHF”." in response.text
    with tenant_context(alpha.tenant):
        assert ExchangeRate.objects.filter(currency="CHF").exists()
