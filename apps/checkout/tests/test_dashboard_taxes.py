"""The taxes page of the dashboard: rates grouped by country, the "prices include tax" switch,
creating/editing/deleting rates, and loading the EU standard VAT rates once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from apps.checkout.eu_vat import EU_STANDARD_VAT_RATES
from apps.checkout.models import TaxRate
from apps.checkout.tests.dashboard_support import in_store, role_client, tax_rate_make
from apps.core.models import EventRecord
from apps.stores.selectors import store_settings_get

pytestmark = pytest.mark.django_db

BASE = "/dashboard/taxes/"


@pytest.fixture
def owner(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "owner")


def test_the_list_groups_rates_by_country_in_percent(alpha, owner):
    with in_store(alpha):
        tax_rate_make(country="DE", rate="0.19")
        tax_rate_make(country="DE", rate="0.07", region="Helgoland", name="Island VAT")
        tax_rate_make(country="FI", rate="0.255")
    response = owner.get(BASE)
    assert response.status_code == 200
    text = response.text
    assert 'id="country-DE"' in text and 'id="country-FI"' in text
    assert "Germany" in text and "Finland" in text and "Helgoland" in text
    assert "19 %" in text and "25.5 %" in text and "7 %" in text
    assert "0.19" not in text


def test_the_empty_list_offers_to_add_a_rate_or_load_eu_vat(alpha, owner):
    text = owner.get(BASE).text
    assert "No tax rates yet" in text
    assert f"{BASE}new/" in text and f"{BASE}load-eu-vat/" in text


def test_creating_a_rate_stores_the_fraction_and_normalises_the_prefix(alpha, owner):
    response = owner.post(
        f"{BASE}new/",
        {
            "country": "US",
            "region": " California ",
            "postal_code_prefix": "90 2",
            "rate": "7.25",
            "name": "Sales tax",
        },
    )
    assert response.status_code == 302
    with in_store(alpha):
        rate = TaxRate.objects.get()
    assert (rate.country, rate.region, rate.postal_code_prefix) == ("US", "California", "902")
    assert rate.rate == Decimal("0.0725") and rate.applies_to_shipping is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "", "rate": "19", "name": "VAT"}, "This field is required."),
        ({"country": "XX", "rate": "19", "name": "VAT"}, "Select a valid choice"),
        ({"country": "DE", "rate": "100", "name": "VAT"}, "less than or equal to 99.9999"),
        ({"country": "DE", "rate": "-1", "name": "VAT"}, "greater than or equal to 0"),
        ({"country": "DE", "rate": "19", "name": ""}, "This field is required."),
        (
            {"country": "DE", "rate": "19", "name": "VAT", "postal_code_prefix": "1/2"},
            "not a postal code prefix",
        ),
    ],
)
def test_bad_rates_show_errors_and_write_nothing(alpha, owner, fields, message):
    response = owner.post(f"{BASE}new/", fields)
    assert response.status_code == 200
    assert message in response.text
    with in_store(alpha):
        assert not TaxRate.objects.exists()


def test_a_second_rate_for_the_same_destination_is_refused(alpha, owner):
    with in_store(alpha):
        tax_rate_make(country="US", region="Texas", rate="0.0625")
    response = owner.post(f"{BASE}new/", {"country": "US", "region": "TEXAS", "rate": "7", "name": "Tax"})
    assert response.status_code == 200 and "There is already a rate for US · TEXAS" in response.text
    with in_store(alpha):
        assert TaxRate.objects.count() == 1


def test_editing_and_deleting_a_rate(alpha, owner):
    with in_store(alpha):
        rate = tax_rate_make(country="DE", rate="0.19")
    form = owner.get(f"{BASE}{rate.pk}/")
    assert form.status_code == 200 and 'value="19"' in form.text
    assert (
        owner.post(
            f"{BASE}{rate.pk}/", {"country": "DE", "rate": "16", "name": "MwSt", "applies_to_shipping": "on"}
        ).status_code
        == 302
    )
    with in_store(alpha):
        rate.refresh_from_db()
    assert (rate.rate, rate.name) == (Decimal("0.16"), "MwSt")
    confirm = owner.get(f"{BASE}{rate.pk}/delete/")
    assert confirm.status_code == 200 and "Delete rate" in confirm.text
    assert owner.post(f"{BASE}{rate.pk}/delete/").status_code == 302
    with in_store(alpha):
        assert not TaxRate.objects.exists()


def test_the_prices_include_tax_switch_saves_the_store_setting(alpha, owner):
    with in_store(alpha):
        assert store_settings_get().prices_include_tax is False
    assert owner.post(f"{BASE}prices-include-tax/", {"prices_include_tax": "on"}).status_code == 302
    with in_store(alpha):
        assert store_settings_get().prices_include_tax is True
        assert EventRecord.objects.filter(name="store.settings_updated").exists()
    switch = re.compile(r'<input type="checkbox" name="prices_include_tax"[^>]*\bchecked\b')
    assert switch.search(owner.get(BASE).text)
    owner.post(f"{BASE}prices-include-tax/", {})
    with in_store(alpha):
        assert store_settings_get().prices_include_tax is False
    assert not switch.search(owner.get(BASE).text)


def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


def test_finance_reads_the_rates_and_the_switch_without_a_form_to_change_them(alpha, owner):
    with in_store(alpha):
        tax_rate_make(country="DE", rate="0.19")
    assert owner.post(f"{BASE}prices-include-tax/", {"prices_include_tax": "on"}).status_code == 302
    owner_page = owner.get(BASE).text
    assert _dashboard_post_forms(owner_page) == [
        f'<form method="post" action="{BASE}prices-include-tax/" class="panel" id="prices-include-tax">'
    ]

    finance = role_client(alpha, "finance")
    page = finance.get(BASE)
    assert page.status_code == 200
    text = page.text
    assert "Germany" in text and "19 %" in text
    assert re.search(r'<input type="checkbox" id="id_prices_include_tax" disabled checked>', text)
    assert "owners and admins can change them" in text
    assert _dashboard_post_forms(text) == []
    assert f"{BASE}new/" not in text and "Save</button>" not in text
    assert finance.post(f"{BASE}prices-include-tax/", {}).status_code == 403
    with in_store(alpha):
        assert store_settings_get().prices_include_tax is True


def test_loading_eu_vat_asks_first_adds_the_27_rates_and_keeps_existing_ones(alpha, owner):
    with in_store(alpha):
        tax_rate_make(country="DE", rate="0.20", name="My VAT")
    confirm = owner.get(f"{BASE}load-eu-vat/")
    assert confirm.status_code == 200 and "Add 26 rates" in confirm.text and "Finland: 25.5 %" in confirm.text
    with in_store(alpha):
        assert TaxRate.objects.count() == 1
    assert owner.post(f"{BASE}load-eu-vat/").status_code == 302
    with in_store(alpha):
        rates = dict(TaxRate.objects.values_list("country", "rate"))
    assert len(EU_STANDARD_VAT_RATES) == 27 and set(rates) == set(EU_STANDARD_VAT_RATES)
    assert rates["DE"] == Decimal("0.20")  # the merchant's own rate is kept
    assert (
        rates["FI"] == Decimal("0.255") and rates["HU"] == Decimal("0.27") and rates["LU"] == Decimal("0.17")
    )
    # loading again changes nothing
    owner.post(f"{BASE}load-eu-vat/")
    with in_store(alpha):
        assert TaxRate.objects.count() == 27


def test_the_list_query_count_does_not_grow_with_rates(alpha, owner, django_assert_max_num_queries):
    with in_store(alpha):
        tax_rate_make(country="DE")
    owner.get(BASE)
    with django_assert_max_num_queries(8) as few:
        owner.get(BASE)
    baseline = len(few)  # read now: the next request empties the query log
    assert baseline > 0
    owner.post(f"{BASE}load-eu-vat/")
    with django_assert_max_num_queries(baseline):
        response = owner.get(BASE)
    assert response.text.count('id="country-') == 27
