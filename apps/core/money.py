"""Money by its currency: how many minor units a currency has, rounding to them, formatting.

The number of decimals comes from CLDR through Babel (`get_currency_precision`), never from a
hard-coded 0.01: JPY has 0, EUR 2, KWD 3. Amounts are `Decimal`; a float never gets here.

Rounding is ROUND_HALF_UP (half a minor unit goes away from zero: 0.005 EUR -> 0.01), the
commercial rounding shoppers and tax authorities expect, rather than Python's default
banker's rounding (ROUND_HALF_EVEN), which Babel also uses when it formats; `money_format`
therefore quantizes first, so what is shown is what is charged.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.core import Locale, get_global
from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.utils.translation import get_language, to_locale

MONEY_ROUNDING = ROUND_HALF_UP


class UnknownCurrencyError(ValueError):
    """A currency code that is not an ISO 4217 currency in use today."""

    def __init__(self, code: object) -> None:
        super().__init__(f"{code!r} is not an ISO 4217 currency code in use")
        self.currency = code


# Every money column is numeric(12, 3): an amount must stay below this to be stored at all.
MONEY_COLUMN_LIMIT = Decimal("1e9")


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today, by CLDR's territory data.

    Babel's `list_currencies()` also holds withdrawn currencies (DEM, FRF) and funds or metals
    (XAU, CLF); a store sells in none of those, so only codes some territory uses now count.
    """
    known = list_currencies()
    in_use: set[str] = set()
    for entries in get_global("territory_currencies").values():
        for code, _start, end, tender in entries:
            if end is None and tender and code in known:
                in_use.add(code)
    return frozenset(in_use)


def currency_is_valid(code: object) -> bool:
    return isinstance(code, str) and code in currency_codes()


def currency_precision(code: str) -> int:
    """Minor units of `code` (JPY 0, EUR 2, KWD 3). Raises `UnknownCurrencyError` for a code that
    is not in use: Babel answers 2 for any string, which would hide a typo."""
    if not currency_is_valid(code):
        raise UnknownCurrencyError(code)
    return int(get_currency_precision(code))


@lru_cache(maxsize=512)
def currency_unit(code: str) -> Decimal:
    """The smallest amount of `code` as a Decimal exponent: 1 (JPY), 0.01 (EUR), 0.001 (KWD)."""
    return Decimal(1).scaleb(-currency_precision(code))


def money_quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """`amount` rounded half-up to the minor units of `currency`; the result carries exactly that
    many decimals (Decimal("1235") for JPY, Decimal("1.235") for KWD)."""
    if isinstance(amount, float):
        raise TypeError("money is never a float; pass a Decimal or a string")
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount")
    return value.quantize(currency_unit(currency), rounding=MONEY_ROUNDING)


@lru_cache(maxsize=64)
def _babel_locale(locale: str) -> Locale:
    # Babel builds a new Locale (and loads its data again) for every call given a locale name:
    # two thirds of the time of formatting one price. A Locale is read-only once built.
    return Locale.parse(locale)


def money_format(amount: Decimal | int | str, currency: str, locale: str) -> str:
    """`amount` as a shopper in `locale` reads it, rounded as `money_quantize` rounds:
    "￥1,235" (JPY, ja_JP), "1.234,50 €" (EUR, de), "KWD1,234.500" (KWD, en)."""
    return _formatted(str(money_quantize(amount, currency)), currency, locale)


def money_display(amount: Decimal | int | str, currency: str) -> str:
    """`money_format` in the active language: what the `money` template filter writes."""
    return money_format(amount, currency, to_locale(get_language() or "en"))


@lru_cache(maxsize=4096)
def _formatted(amount: str, currency: str, locale: str) -> str:
    # Babel walks the locale's pattern on every call (about 0.1 ms) and a listing shows dozens
    # of prices, mostly the same few. Keyed by the rounded amount's text, not the Decimal:
    # Decimal("-0.00") equals Decimal("0.00") but is not written the same.
    return str(format_currency(Decimal(amount), currency, locale=_babel_locale(locale)))
