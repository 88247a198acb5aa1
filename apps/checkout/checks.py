"""System checks of the cart settings: a limit the database would refuse fails at start-up,
not on a shopper's first large order."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from apps.checkout.models import CART_LINE_QUANTITY_CEILING


@register()
def cart_limits_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    quantity = settings.CART_LINE_MAX_QUANTITY
    if not isinstance(quantity, int) or not 1 <= quantity <= CART_LINE_QUANTITY_CEILING:
        errors.append(
            Error(
                f"CART_LINE_MAX_QUANTITY must be a whole number from 1 to {CART_LINE_QUANTITY_CEILING}.",
                id="checkout.E001",
            )
        )
    lines = settings.CART_MAX_LINES
    if not isinstance(lines, int) or lines < 1:
        errors.append(Error("CART_MAX_LINES must be a whole number of at least 1.", id="checkout.E002"))
    return errors
