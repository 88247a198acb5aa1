"""Presentment: converting a store-currency amount for display, rounded to the target
currency's own decimals; a currency without a usable rate falls back to the store's currency;
rates set by hand are checked; one store's rates never reach another."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from apps.stores.currency import exchange_rates_get, presentment_currencies, presentment_get
from apps.stores.errors import ExchangeRateError, ExchangeRateErrorCode
from apps.stores.exchange_rates import exchange_rate_delete, exchange_rate_set
from apps.stores.models import ExchangeRate
from apps.stores.tests.factories import settings_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("currency", "rate", "amount", "shown"),
    [
        ("USD", "1.0866", "10.00", Decimal("10.87")),  # 10.866 -> 10.87, half up
        ("USD", "1.0865", "10.00", Decimal("10.87")),  # 10.865 -> 10.87 (banker's would give 10.86)
        ("JPY", "161.26", "19.99", Decimal("3224")),  # 3223.5874 -> 3224, no decimals
        ("JPY", "161.25", "0.10", Decimal("16")),  # 16.125 -> 16
        ("KWD", "0.3171", "10.00", Decimal("3.171")),  # three decimals
        ("GBP", "0.8452", "0", Decimal("0.00")),
    ],
)
def test_amounts_convert_and_round_to_the_target_currencys_decimals(in_alpha, currency, rate, amount, shown):
    settings_change(currency="EUR")
    exchange_rate_set(currency=currency, rate=rate)
    presentment = presentment_get(currency=currency)
    converted = presentment.convert(Decimal(amount))
    assert converted == shown and converted.as_tuple().exponent == shown.as_tuple().exponent
    assert presentment.is_converted and presentment.store_currency == "EUR"


def test_formatting_follows_the_shoppers_locale(in_alpha):
    settings_change(currency="EUR")
    exchange_rate_set(currency="JPY", rate="161.26")
    exchange_rate_set(currency="USD", rate="1.0866")
    assert presentment_get(currency="JPY").format(Decimal("19.99"), locale="en") == "¥3,224"
    assert presentment_get(currency="USD").format(Decimal("1000"), locale="de_DE") == "1.086,60\xa0$"
    assert presentment_get().format(Decimal("1000"), locale="de_DE") == "1.000,00\xa0€"


def test_a_currency_without_a_rate_falls_back_to_the_store_currency(in_alpha):
    settings_change(currency="EUR")
    for choice in (None, "", "CHF", "eur", "XXX", "<script>"):
        presentment = presentment_get(currency=choice)
        assert (presentment.currency, presentment.rate, presentment.is_converted) == (
            "EUR",
            Decimal(1),
            False,
        )
        assert presentment.convert(Decimal("12.345")) == Decimal("12.35")


def test_removing_a_rate_falls_back_at_once(in_alpha):
    settings_change(currency="EUR")
    exchange_rate_set(currency="USD", rate="1.1")
    assert presentment_get(currency="USD").is_converted
    exchange_rate_delete(currency="USD")
    assert presentment_get(currency="USD").currency == "EUR"
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rate_delete(currency="USD")
    assert caught.value.code == ExchangeRateErrorCode.NOT_FOUND


def test_rates_set_against_an_old_store_currency_are_not_used(in_alpha):
    # given a EUR store with a USD rate
    settings_change(currency="EUR")
    exchange_rate_set(currency="USD", rate="1.0866")
    exchange_rate_set(currency="GBP", rate="0.85")
    # when the store switches to GBP
    settings_change(currency="GBP")
    # then the old rates (against EUR) are not shown; GBP is the store's own now
    assert exchange_rates_get() == {}
    assert presentment_currencies() == ["GBP"]
    assert presentment_get(currency="USD").currency == "GBP"
    # and setting the rate again makes it usable
    exchange_rate_set(currency="USD", rate="1.2")
    assert presentment_get(currency="USD").rate == Decimal("1.2")


def test_the_switcher_offers_the_store_currency_first_then_currencies_with_a_rate(in_alpha):
    settings_change(currency="EUR")
    exchange_rate_set(currency="USD", rate="1.08")
    exchange_rate_set(currency="CHF", rate="0.94")
    assert presentment_currencies() == ["EUR", "CHF", "USD"]


@pytest.mark.parametrize(
    ("currency", "rate", "code", "field"),
    [
        ("EUR", "1", ExchangeRateErrorCode.STORE_CURRENCY, "currency"),
        ("DEM", "1.9", ExchangeRateErrorCode.INVALID_CURRENCY, "currency"),
        ("", "1", ExchangeRateErrorCode.INVALID_CURRENCY, "currency"),
        ("USD", "0", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "-1.2", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "abc", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "NaN", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "Infinity", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "1e15", ExchangeRateErrorCode.INVALID_RATE, "rate"),
        ("USD", "0.0000000000001", ExchangeRateErrorCode.INVALID_RATE, "rate"),  # rounds to 0
    ],
)
def test_a_bad_rate_is_refused_with_a_coded_error_and_nothing_saved(in_alpha, currency, rate, code, field):
    settings_change(currency="EUR")
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rate_set(currency=currency, rate=rate)
    assert caught.value.code == code and caught.value.field == field
    assert ExchangeRate.objects.count() == 0


def test_a_rate_may_be_typed_with_a_decimal_comma(in_alpha):
    settings_change(currency="EUR")
    assert exchange_rate_set(currency="usd", rate=" 1,0866 ").rate == Decimal("1.0866")


def test_alphas_rates_never_reach_beta(alpha, beta):
    # given alpha shows USD at 1.5 and beta has no rates
    with tenant_context(alpha.tenant):
        settings_change(currency="EUR")
        exchange_rate_set(currency="USD", rate="1.5")
        assert presentment_get(currency="USD").is_converted  # alpha's cache is warm
    with tenant_context(beta.tenant):
        settings_change(currency="EUR")
        # then beta neither reads alpha's rows nor its cached rates
        assert exchange_rates_get() == {}
        assert presentment_currencies() == ["EUR"]
        assert presentment_get(currency="USD").currency == "EUR"
        # and beta's own rate does not change alpha's
        exchange_rate_set(currency="USD", rate="2")
    with tenant_context(alpha.tenant):
        assert presentment_get(currency="USD").rate == Decimal("1.5")
