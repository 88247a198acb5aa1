"""A merchant's billing address and EU VAT number, for the invoices Stripe issues to it.

`billing_details_save` checks the input (an ISO country, the address lines, a VAT number whose
format matches the rules of the EU country its prefix names, and that prefix agreeing with the
address's country), then pushes it to the merchant's Stripe customer: `customers.update` with the
address, and the customer's `eu_vat` tax id replaced when the number changed (created first, the
old one deleted after, so the customer is never left without one on a failure). A copy is kept
in `BillingDetails` to show on the console without asking Stripe.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import stripe
from babel import Locale
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.billing.models import BillingDetails
from apps.billing.subscriptions import _client, _provider_error, billing_customer_ensure
from apps.core.errors import ApplicationError

if TYPE_CHECKING:
    from apps.platform.models import Merchant

# VIES formats after the prefix (https://ec.europa.eu/taxation_customs/vies/faq: "VAT number
# format"). Greece uses the prefix EL; XI is Northern Ireland.
EU_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}
# The VAT prefix of a country where it is not the ISO code.
VAT_PREFIX_OF_COUNTRY = {"GR": "EL"}


class BillingDetailsErrorCode(models.TextChoices):
    COUNTRY_INVALID = "billing_country_invalid", _lazy("Unknown country")
    FIELD_REQUIRED = "billing_field_required", _lazy("Field required")
    VAT_PREFIX = "billing_vat_prefix", _lazy("VAT number without an EU country prefix")
    VAT_FORMAT = "billing_vat_format", _lazy("VAT number in the wrong format")
    VAT_COUNTRY = "billing_vat_country", _lazy("VAT number of another country")
    VAT_REFUSED = "billing_vat_refused", _lazy("VAT number refused by the payment provider")


class BillingDetailsError(ApplicationError):
    codes = BillingDetailsErrorCode
    code = BillingDetailsErrorCode.FIELD_REQUIRED


# Babel's territories that are not ISO 3166-1 countries (regions, reserved and unknown codes).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}
)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (Babel's list; billing imports no store app for it)."""
    return frozenset(
        str(code)
        for code in Locale("en").territories
        if len(str(code)) == 2 and str(code).isalpha() and str(code) not in _NOT_COUNTRIES
    )


def country_choices(language: str = "en") -> list[tuple[str, str]]:
    try:
        names = Locale.parse(language.replace("-", "_")).territories
    except (ValueError, TypeError):
        names = Locale("en").territories
    return sorted(((code, str(names.get(code, code))) for code in country_codes()), key=lambda c: c[1])


def vat_number_clean(value: str, *, country: str) -> str:
    """The VAT number upper-cased without spaces, dots or dashes; raises `BillingDetailsError`
    (field `tax_id`) when its prefix is not an EU one, its digits do not fit that country's
    format, or it belongs to another country than the billing address."""
    number = re.sub(r"[\s.\-]", "", value or "").upper()
    if not number:
        return ""
    prefix, rest = number[:2], number[2:]
    if prefix not in EU_VAT_FORMATS:
        raise BillingDetailsError(
            _(
                "The VAT number must start with an EU country prefix such as DE, FR or EL; “%(prefix)s” is not one."
            )
            % {"prefix": prefix},
            code=BillingDetailsErrorCode.VAT_PREFIX,
            field="tax_id",
            params={"prefix": prefix},
        )
    if not re.fullmatch(EU_VAT_FORMATS[prefix], rest):
        raise BillingDetailsError(
            _("“%(number)s” is not a valid %(prefix)s VAT number.") % {"number": number, "prefix": prefix},
            code=BillingDetailsErrorCode.VAT_FORMAT,
            field="tax_id",
            params={"prefix": prefix},
        )
    expected = VAT_PREFIX_OF_COUNTRY.get(country, country)
    if prefix != expected:
        raise BillingDetailsError(
            _("The VAT number is from %(prefix)s but the billing address is in %(country)s.")
            % {"prefix": prefix, "country": country},
            code=BillingDetailsErrorCode.VAT_COUNTRY,
            field="tax_id",
            params={"prefix": prefix, "country": country},
        )
    return number


def _required(name: str, value: str, label: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise BillingDetailsError(
            _("%(field)s is required.") % {"field": label},
            code=BillingDetailsErrorCode.FIELD_REQUIRED,
            field=name,
        )
    return cleaned


def billing_details_get(*, merchant: Merchant) -> BillingDetails | None:
    return BillingDetails.objects.filter(merchant_id=merchant.pk).first()


def billing_details_save(
    *,
    merchant: Merchant,
    email: str,
    country: str,
    line1: str,
    line2: str = "",
    postal_code: str,
    city: str,
    tax_id: str = "",
) -> BillingDetails:
    """Check, push to Stripe and keep the merchant's billing address and VAT number."""
    country = (country or "").strip().upper()
    if country not in country_codes():
        raise BillingDetailsError(
            _("“%(country)s” is not a country code.") % {"country": country},
            code=BillingDetailsErrorCode.COUNTRY_INVALID,
            field="country",
        )
    address = {
        "country": country,
        "line1": _required("line1", line1, _("Address line 1")),
        "line2": (line2 or "").strip(),
        "postal_code": _required("postal_code", postal_code, _("Postal code")),
        "city": _required("city", city, _("City")),
    }
    number = vat_number_clean(tax_id, country=country)

    customer_id = billing_customer_ensure(merchant=merchant, email=email)
    current = billing_details_get(merchant=merchant)
    client = _client()
    stripe_tax_id = current.stripe_tax_id if current else ""
    try:
        client.v1.customers.update(customer_id, params=cast(Any, {"address": address}))
        if number != (current.tax_id if current else ""):
            old = stripe_tax_id
            stripe_tax_id = ""
            if number:
                try:
                    created = client.v1.customers.tax_ids.create(
                        customer_id, params={"type": "eu_vat", "value": number}
                    )
                except stripe.InvalidRequestError as error:
                    raise BillingDetailsError(
                        _("The VAT number %(number)s was refused: %(reason)s")
                        % {"number": number, "reason": error.user_message or ""},
                        code=BillingDetailsErrorCode.VAT_REFUSED,
                        field="tax_id",
                    ) from error
                stripe_tax_id = str(created.id)
            if old:
                try:
                    client.v1.customers.tax_ids.delete(customer_id, old)
                except stripe.InvalidRequestError as error:
                    if getattr(error, "code", "") != "resource_missing":  # already gone: fine
                        raise
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    with transaction.atomic():
        details, _created = BillingDetails.objects.select_for_update().get_or_create(
            merchant_id=merchant.pk, defaults={**address, "tax_id": number, "stripe_tax_id": stripe_tax_id}
        )
        for name, value in {**address, "tax_id": number, "stripe_tax_id": stripe_tax_id}.items():
            setattr(details, name, value)
        details.save()
    return details
