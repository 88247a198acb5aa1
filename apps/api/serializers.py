"""What every endpoint shares: serializers that refuse unknown fields in a body (a misspelt field
is a 400, not ignored) and how money is written (a string at its currency's precision, "12.50")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.money import money_quantize


def json_type_problem(field: serializers.Field, value: Any) -> str | None:  # type: ignore[type-arg]
    """Why `value`, read from a JSON body, has the wrong JSON type for `field`, or None.

    DRF reads leniently: 123 for a text field becomes "123", "5" for a number becomes 5, "yes"
    for a boolean becomes True. An integration that sends the wrong type has a bug, and saving
    what DRF made of it would hide that bug, so a body is read as JSON types say. Amounts stay
    free ("12.50" or 12.5): money is written as text. A query string is all text and is not
    checked (`StrictQuerySerializer`)."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        for item in value:
            problem = json_type_problem(field.child, item)
            if problem:
                return problem
        return None
    if isinstance(field, serializers.CharField) and not isinstance(value, str):
        return _("Must be text.")
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return _("Must be true or false.")
    if isinstance(field, serializers.IntegerField) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        return _("Must be a whole number.")
    return None


class StrictFieldsMixin:
    # False for a query string, where every value is text.
    json_types = True

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields  # type: ignore[attr-defined]
            errors = {str(name): [_("Unknown field.")] for name in data if name not in fields}
            if self.json_types and not isinstance(data, QueryDict):
                for name, field in fields.items():
                    if name in data and not field.read_only:
                        problem = json_type_problem(field, data[name])
                        if problem:
                            errors[name] = [problem]
            if errors:
                # Every field's own errors too, so one answer names everything wrong.
                try:
                    super().to_internal_value(data)  # type: ignore[misc]
                except serializers.ValidationError as exc:
                    if isinstance(exc.detail, dict):
                        errors = {**exc.detail, **errors}
                raise serializers.ValidationError(dict(sorted(errors.items())))
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    pass


class StrictQuerySerializer(StrictSerializer):
    """A query string's parameters: unknown ones refused, values read from text."""

    json_types = False


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    pass


# The one meaning `shipping_total` has in every answer (orders, the storefront's checkout and
# order): the row a totals table shows, so the rows add up to the total.
SHIPPING_TOTAL_HELP = gettext_lazy(
    "Shipping as the totals add up: without its tax when prices exclude tax (tax_total holds "
    "it), so subtotal - discount_total + shipping_total + tax_total = total; as charged when "
    "prices include tax, so subtotal - discount_total + shipping_total = total."
)


def money_str(amount: Decimal | None, currency: str) -> str | None:
    """An amount as the API writes money: a string rounded to the currency's minor units
    ("12.50" for EUR, "1250" for JPY, "1.250" for KWD); an amount without a currency as stored."""
    if amount is None:
        return None
    if not currency:
        return str(amount)
    return str(money_quantize(amount, currency))


@extend_schema_field(OpenApiTypes.STR)
class MoneyField(serializers.Field):  # type: ignore[type-arg]
    """A Decimal amount as a string at its currency's precision ("12.50"), read-only; the
    currency is read from `currency_path` on the same object ("order.currency" for a line)."""

    def __init__(self, *, currency_path: str = "currency", **kwargs: Any) -> None:
        kwargs["read_only"] = True
        self.currency_path = currency_path
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        currency: Any = instance
        for name in self.currency_path.split("."):
            currency = getattr(currency, name)
        return super().get_attribute(instance), currency

    def to_representation(self, value: Any) -> str | None:
        amount, currency = value
        return money_str(amount, currency)
