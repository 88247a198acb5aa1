"""Prices in the shopper's display currency, and the data of the currency switcher.

    {% load storefront_currency %}
    {% price_display product.price %}            -> <span class="sf-price">€10.00</span>
                                                    or, after the shopper chose USD,
                                                    <span class="sf-price sf-price-approx"
                                                          title="… you pay €10.00.">≈ $10.87</span>
    {% price_display line.total line.currency %} -> a price kept in another currency is shown as is
    {% price_display amount as shown %}          -> into a variable

`amount` is in the store's currency (what the shopper is charged); the converted amount is only
shown. One lookup per request whatever the number of prices (see
`apps.storefront.presentment.request_presentment`). `{{ amount|money:currency }}` stays the
filter for an amount in a known currency without conversion (dashboard, emails, receipts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_symbol
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.core.money import money_format
from apps.core.tenancy import in_store
from apps.storefront.presentment import price_display as _price_display
from apps.storefront.presentment import request_presentment, shopper_locale
from apps.stores.currency import presentment_currencies

register = template.Library()


@register.simple_tag(takes_context=True)
def price_display(
    context: Any, amount: Decimal | int | str | None, currency: str | None = None
) -> SafeString:
    if amount is None or amount == "":
        return SafeString("")
    request = context.get("request")
    if request is None or not in_store():
        # Outside a store page (an error page rendered without a request): no conversion.
        if not currency:
            return SafeString("")
        return format_html(
            '<span class="sf-price">{}</span>', money_format(amount, currency, shopper_locale())
        )
    return _price_display(amount, request=request, currency=currency or None)


@register.simple_tag(takes_context=True)
def currency_switcher(context: Any) -> dict[str, Any]:
    """What the switcher shows: the currencies a shopper may choose (the store's and those with
    a rate), the current one, and whether prices are converted."""
    request = context.get("request")
    if request is None or not in_store():
        return {"choices": [], "current": "", "store_currency": "", "is_converted": False}
    presentment = request_presentment(request)
    locale = shopper_locale()
    choices = []
    for code in presentment_currencies():
        symbol = get_currency_symbol(code, locale=locale)
        choices.append((code, code if symbol == code else f"{code} {symbol}"))
    return {
        "choices": choices,
        "current": presentment.currency,
        "store_currency": presentment.store_currency,
        "is_converted": presentment.is_converted,
    }
