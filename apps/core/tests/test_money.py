"""Money is rounded to its currency's minor units from CLDR (Babel), never to a fixed 0.01."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.core.money import (
    UnknownCurrencyError,
    currency_codes,
    currency_precision,
    money_format,
    money_quantize,
)

D = Decimal


@pytest.mark.parametrize(
    ("code", "places"), [("JPY", 0), ("KRW", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("BHD", 3)]
)
def test_precision_comes_from_the_currency(code, places):
    assert currency_precision(code) == places


@pytest.mark.parametrize("code", ["ZZZ", "eur", "DEM", "XAU", "", "EURO", None])
def test_unknown_withdrawn_or_non_tender_codes_are_refused(code):
    # Babel itself answers 2 for any string; a typo must not quietly round to cents
    with pytest.raises(UnknownCurrencyError):
        currency_precision(code)
    with pytest.raises(UnknownCurrencyError):
        money_quantize(D("1.00"), code)


def test_the_list_holds_currencies_in_use_only():
    codes = currency_codes()
    assert {"EUR", "USD", "JPY", "KWD", "CHF", "GBP"} <= codes
    assert not {"DEM", "FRF", "XAU", "XXX", "CLF"} & codes


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "JPY", "1235"),
        ("1234.49", "JPY", "1234"),
        ("1234", "JPY", "1234"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "KWD", "1.234"),
        ("7", "KWD", "7.000"),
        ("0.005", "EUR", "0.01"),  # half up, not banker's rounding (which gives 0.00)
        ("2.675", "EUR", "2.68"),
        ("0.125", "EUR", "0.13"),
        ("-0.005", "EUR", "-0.01"),  # half away from zero for refunds too
    ],
)
def test_money_quantize_rounds_half_up_to_the_minor_units(amount, currency, expected):
    result = money_quantize(D(amount), currency)
    assert result == D(expected)
    # the exponent, not just the value: JPY has no decimals, KWD three
    assert result.as_tuple().exponent == -currency_precision(currency)
    assert str(result) == expected


def test_money_quantize_takes_strings_and_ints_but_never_floats():
    assert money_quantize("19.999", "EUR") == D("20.00")
    assert money_quantize(5, "KWD") == D("5.000")
    with pytest.raises(TypeError):
        money_quantize(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        money_quantize(D("NaN"), "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "JPY", "ja_JP", "￥1,235"),
        ("1234.5", "KWD", "en", "KWD1,234.500"),
        ("1234.5", "EUR", "de", "1.234,50\xa0€"),
        ("0.125", "EUR", "en", "€0.13"),  # Babel alone would show €0.12 (half even)
    ],
)
def test_money_format_uses_babel_and_the_same_rounding(amount, currency, locale, expected):
    assert money_format(D(amount), currency, locale) == expected


def test_money_format_remembers_what_babel_wrote_but_not_across_signs_locales_or_currencies(monkeypatch):
    import apps.core.money as money

    money._formatted.cache_clear()
    calls: list[tuple[object, ...]] = []
    real = money.format_currency

    def counting(*args: Any, **kwargs: Any) -> str:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(money, "format_currency", counting)

    # the same price in another spelling is formatted once
    assert money_format(D("10.0"), "EUR", "en") == money_format(10, "EUR", "en") == "€10.00"
    assert len(calls) == 1
    # a negative zero is not the zero it equals; another locale or currency is another text
    assert money_format(D("-0.001"), "EUR", "en") == "-€0.00"
    assert money_format(D("0"), "EUR", "en") == "€0.00"
    assert money_format(D("10"), "EUR", "de") == "10,00\xa0€"
    assert money_format(D("10"), "USD", "en") == "$10.00"
    assert len(calls) == 5
