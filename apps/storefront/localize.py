"""Names shown to shoppers in their own language (Babel's CLDR data)."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from apps.storefront.presentment import shopper_locale


def country_name(code: str) -> str:
    """ "DE" -> "Germany" ("Deutschland" for a German reader); an unknown code stays as it is."""
    if not code:
        return ""
    try:
        locale = Locale.parse(shopper_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return str(locale.territories.get(code.upper(), code))
