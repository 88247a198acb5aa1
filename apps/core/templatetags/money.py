"""`{{ amount|money:currency }}`: an amount as a reader of the active language writes it, with the
currency's own decimals (Babel): "€12.50" in English, "12,50 €" in German, "¥1,250" for JPY."""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.core.money import money_display

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    return money_display(amount, str(currency))
