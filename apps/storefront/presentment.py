"""The shopper's display currency: chosen with the currency switcher, kept in the session (one
session table per store, so a choice on one store never reaches another), and applied to every
price a storefront page shows through `price_display`.

Converted prices are *shown* only: each is marked as approximate and every order is charged in
the store's currency. The conversion itself lives in `apps.stores.currency`.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from apps.core.money import money_format
from apps.stores.currency import Presentment, presentment_get

SESSION_KEY = "storefront_currency"
_REQUEST_ATTR = "_storefront_presentment"


def shopper_locale() -> str:
    return to_locale(get_language() or "en")


def request_presentment(request: HttpRequest) -> Presentment:
    """How prices are shown to this request's shopper, worked out once per request (every price
    on a page reuses it: no query per price)."""
    cached = getattr(request, _REQUEST_ATTR, None)
    if isinstance(cached, Presentment):
        return cached
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    presentment = presentment_get(currency=chosen if isinstance(chosen, str) else None)
    setattr(request, _REQUEST_ATTR, presentment)
    return presentment


def request_presentment_forget(request: HttpRequest) -> None:
    if hasattr(request, _REQUEST_ATTR):
        delattr(request, _REQUEST_ATTR)


def price_display_text(
    amount: Decimal | int | str,
    *,
    presentment: Presentment,
    currency: str | None = None,
    locale: str | None = None,
) -> str:
    """`amount` (in the store's currency, or in `currency` when given) as plain text: "€10.00",
    or "≈ $10.87" when shown in another currency."""
    locale = locale or shopper_locale()
    if currency and currency != presentment.store_currency:
        # A price kept in another currency (say, from before the store changed its own) is
        # shown as it is: there is no rate that applies to it.
        return money_format(amount, currency, locale)
    shown = presentment.format(amount, locale=locale)
    return f"≈ {shown}" if presentment.is_converted else shown


def price_display(
    amount: Decimal | int | str | None,
    *,
    request: HttpRequest,
    currency: str | None = None,
) -> SafeString:
    """`amount` as HTML for `request`'s shopper. In the store's currency it is the plain price;
    in another it carries "≈" and a title that says what is charged."""
    if amount is None or amount == "":
        return SafeString("")
    presentment = request_presentment(request)
    locale = shopper_locale()
    text = price_display_text(amount, presentment=presentment, currency=currency, locale=locale)
    if not presentment.is_converted or (currency and currency != presentment.store_currency):
        return format_html('<span class="sf-price">{}</span>', text)
    charged = money_format(amount, presentment.store_currency, locale)
    title = _("Approximate price in %(currency)s; you pay %(charged)s.") % {
        "currency": presentment.currency,
        "charged": charged,
    }
    return format_html('<span class="sf-price sf-price-approx" title="{}">{}</span>', title, text)
