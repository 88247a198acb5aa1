"""The lists a store's regional settings are checked against: countries and currencies from
CLDR (through Babel), time zones from the IANA database (zoneinfo), languages from
`settings.LANGUAGES`. Choice labels are in the reader's language."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from django.conf import settings
from django.utils.translation import get_language

from apps.core.money import currency_codes

# CLDR territory codes of two letters that are not ISO 3166-1 countries: exceptional
# reservations (AC, CP, CQ, DG, EA, IC, TA), groupings (EU, EZ, UN), private use (QO, XA, XB,
# XK) and the unknown region (ZZ). What is left is ISO 3166-1's 249 codes.
_NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}
)


def _locale() -> Locale:
    try:
        return Locale.parse(get_language() or settings.LANGUAGE_CODE, sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse(settings.LANGUAGE_CODE)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes."""
    territories: list[str] = [str(code) for code in Locale("en").territories]
    return frozenset(
        code for code in territories if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_COUNTRIES
    )


def country_is_valid(code: str) -> bool:
    return code in country_codes()


def country_name(code: str) -> str:
    """ "DE" -> "Germany" in the active language; an unknown code stays as it is."""
    return str(_locale().territories.get(code, code))


def country_choices() -> list[tuple[str, str]]:
    names = _locale().territories
    return sorted(((code, names.get(code, code)) for code in country_codes()), key=lambda c: c[1])


def currency_choices() -> list[tuple[str, str]]:
    locale = _locale()
    return sorted((code, f"{code} · {get_currency_name(code, locale=locale)}") for code in currency_codes())


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """IANA time zone keys this machine's zoneinfo (or the tzdata package) knows."""
    return frozenset(zoneinfo.available_timezones())


def timezone_is_valid(name: str) -> bool:
    return name in timezone_names()


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


def language_codes() -> list[str]:
    """The languages the platform is translated into, in `settings.LANGUAGES` order."""
    return [code for code, _name in settings.LANGUAGES]


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]
