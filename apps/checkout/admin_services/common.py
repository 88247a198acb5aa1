"""What the checkout set-up services share: their coded error, the limits of the models' columns,
and the checks of names, amounts, countries and postal code prefixes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError
from apps.core.events import event_emit
from apps.core.money import money_quantize
from apps.stores.regional import country_is_valid

# The models' max_length, and what fits their money columns (max_digits=12, decimal_places=3).
ZONE_NAME_MAX = 100
REGION_MAX = 100
POSTAL_PREFIX_MAX = 20
RATE_NAME_MAX = 100
TAX_NAME_MAX = 100
DISCOUNT_NAME_MAX = 120
DISCOUNT_CODE_MAX = 64
AMOUNT_MAX = Decimal("999999999")
WEIGHT_MAX_GRAMS = 10_000_000  # 10 t: anything above is a typo
DELIVERY_DAYS_MAX = 365
ZONE_LIST_MAX = 300  # countries, regions or prefixes of one zone (ISO 3166-1 has 249 countries)
USAGE_LIMIT_MAX = 2_147_483_647  # PositiveIntegerField

POSTAL_PREFIX_RE = re.compile(r"^[A-Z0-9-]+$")
DISCOUNT_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


# ------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------
class CheckoutSetupErrorCode(models.TextChoices):
    SETUP_ERROR = "setup_error", gettext_lazy("Invalid set-up")
    NAME_REQUIRED = "name_required", gettext_lazy("Name required")
    TOO_LONG = "too_long", gettext_lazy("Too long")
    COUNTRY_REQUIRED = "country_required", gettext_lazy("Country required")
    COUNTRY_INVALID = "country_invalid", gettext_lazy("Unknown country")
    POSTAL_PREFIX_INVALID = "postal_prefix_invalid", gettext_lazy("Invalid postal code prefix")
    TOO_MANY = "too_many", gettext_lazy("Too many entries")
    KIND_INVALID = "kind_invalid", gettext_lazy("Unknown type")
    AMOUNT_INVALID = "amount_invalid", gettext_lazy("Invalid amount")
    BOUNDS_REQUIRED = "bounds_required", gettext_lazy("Bounds required")
    BOUNDS_ORDER = "bounds_order", gettext_lazy("Minimum not below maximum")
    PICKUP_LOCATION_REQUIRED = "pickup_location_required", gettext_lazy("Pickup location required")
    PICKUP_LOCATION_INVALID = "pickup_location_invalid", gettext_lazy("Not an active pickup point")
    RATE_INVALID = "rate_invalid", gettext_lazy("Invalid tax rate")
    TAX_RATE_TAKEN = "tax_rate_taken", gettext_lazy("A rate exists for this destination")
    CODE_REQUIRED = "code_required", gettext_lazy("Code required")
    CODE_INVALID = "code_invalid", gettext_lazy("Invalid code")
    CODE_TAKEN = "code_taken", gettext_lazy("Code taken")
    VALUE_INVALID = "value_invalid", gettext_lazy("Invalid discount value")
    QUANTITY_INVALID = "quantity_invalid", gettext_lazy("Invalid quantity")
    WINDOW_ORDER = "window_order", gettext_lazy("Ends before it starts")
    USAGE_LIMIT_INVALID = "usage_limit_invalid", gettext_lazy("Invalid usage limit")
    UNKNOWN_ITEMS = "unknown_items", gettext_lazy("Unknown products or collections")
    DISCOUNT_USED = "discount_used", gettext_lazy("Discount already used")


class CheckoutSetupError(ApplicationError):
    code: str = CheckoutSetupErrorCode.SETUP_ERROR
    codes = CheckoutSetupErrorCode


def setup_error(
    error_code: CheckoutSetupErrorCode, message: str, /, *, field: str | None, **params: Any
) -> CheckoutSetupError:
    return CheckoutSetupError(
        message % params if params else message, code=error_code, field=field, params=params
    )


# ------------------------------------------------------------------------------
# Shared checks
# ------------------------------------------------------------------------------
def text_line(value: str | None) -> str:
    return " ".join(str(value or "").split())


def name_clean(value: str, *, limit: int, field: str = "name") -> str:
    name = text_line(value)
    if not name:
        raise setup_error(CheckoutSetupErrorCode.NAME_REQUIRED, _("Enter a name."), field=field)
    if len(name) > limit:
        raise setup_error(
            CheckoutSetupErrorCode.TOO_LONG,
            _("Use at most %(max)d characters."),
            field=field,
            max=limit,
        )
    return name


def amount_clean(value: Decimal | None, *, field: str, currency: str, positive: bool = False) -> Decimal:
    if value is None or not value.is_finite() or value < 0 or (positive and value == 0) or value > AMOUNT_MAX:
        message = (
            _("Enter an amount above 0 and at most %(max)s.")
            if positive
            else _("Enter an amount between 0 and %(max)s.")
        )
        raise setup_error(CheckoutSetupErrorCode.AMOUNT_INVALID, message, field=field, max=AMOUNT_MAX)
    amount = money_quantize(value, currency)
    if positive and amount == 0:
        raise setup_error(
            CheckoutSetupErrorCode.AMOUNT_INVALID,
            _("Enter an amount above 0 and at most %(max)s."),
            field=field,
            max=AMOUNT_MAX,
        )
    return amount


def amount_or_none_clean(value: Decimal | None, *, field: str, currency: str) -> Decimal | None:
    return None if value is None else amount_clean(value, field=field, currency=currency)


def whole_clean(value: int | None, *, field: str, maximum: int) -> int | None:
    if value is None:
        return None
    if value < 0 or value > maximum:
        raise setup_error(
            CheckoutSetupErrorCode.QUANTITY_INVALID,
            _("Enter a whole number between 0 and %(max)d."),
            field=field,
            max=maximum,
        )
    return value


def bounds_check(low: Any, high: Any, *, field: str, strict: bool = True) -> None:
    if low is None or high is None:
        return
    if low > high or (strict and low == high):
        raise setup_error(
            CheckoutSetupErrorCode.BOUNDS_ORDER,
            _("The minimum must be below the maximum.")
            if strict
            else _("The first must not be above the second."),
            field=field,
        )


def country_clean(value: str, *, field: str = "country") -> str:
    code = str(value or "").strip().upper()
    if not code:
        raise setup_error(CheckoutSetupErrorCode.COUNTRY_REQUIRED, _("Choose a country."), field=field)
    if not country_is_valid(code):
        raise setup_error(
            CheckoutSetupErrorCode.COUNTRY_INVALID,
            _("“%(code)s” is not an ISO 3166-1 country code."),
            field=field,
            code=code,
        )
    return code


def postal_prefix_normalise(value: str) -> str:
    """A postal code prefix as it is stored and compared: upper case, no spaces."""
    return "".join(str(value or "").split()).upper()


def postal_prefix_clean(value: str, *, field: str) -> str:
    prefix = postal_prefix_normalise(value)
    if prefix and (len(prefix) > POSTAL_PREFIX_MAX or not POSTAL_PREFIX_RE.match(prefix)):
        raise setup_error(
            CheckoutSetupErrorCode.POSTAL_PREFIX_INVALID,
            _("“%(prefix)s” is not a postal code prefix: use letters, digits and hyphens, at most %(max)d."),
            field=field,
            prefix=prefix,
            max=POSTAL_PREFIX_MAX,
        )
    return prefix


def unique_values(values: Iterable[str], *, key: Any = None) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        marker = key(value) if key else value
        if value and marker not in seen:
            seen.add(marker)
            kept.append(value)
    return kept


def list_limit(values: list[str], *, field: str) -> list[str]:
    if len(values) > ZONE_LIST_MAX:
        raise setup_error(
            CheckoutSetupErrorCode.TOO_MANY,
            _("Enter at most %(max)d entries."),
            field=field,
            max=ZONE_LIST_MAX,
        )
    return values


def setup_emit(event: str, /, **payload: Any) -> None:
    event_emit(name=event, payload=payload)
