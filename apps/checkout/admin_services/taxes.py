"""Tax rates by destination, the one-click EU standard VAT rates, and the store's
"prices include tax" switch."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from apps.checkout.admin_services.common import (
    REGION_MAX,
    TAX_NAME_MAX,
    CheckoutSetupError,
    CheckoutSetupErrorCode,
    country_clean,
    name_clean,
    postal_prefix_clean,
    setup_emit,
    setup_error,
    text_line,
)
from apps.checkout.eu_vat import EU_STANDARD_VAT_RATES
from apps.checkout.models import (
    TaxRate,
)
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update

TAXES_UPDATED = "taxes.updated"


# ------------------------------------------------------------------------------
# Taxes
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaxRateInput:
    country: str
    rate: Decimal  # a fraction: 0.19 is 19 %
    name: str
    region: str = ""
    postal_code_prefix: str = ""
    applies_to_shipping: bool = True


RATE_STEP = Decimal("0.000001")  # TaxRate.rate has 6 decimal places (4 of a percentage)


def tax_rate_clean(data: TaxRateInput) -> dict[str, Any]:
    country = country_clean(data.country)
    region = text_line(data.region)
    if len(region) > REGION_MAX:
        raise setup_error(
            CheckoutSetupErrorCode.TOO_LONG,
            _("Use at most %(max)d characters."),
            field="region",
            max=REGION_MAX,
        )
    prefix = postal_prefix_clean(data.postal_code_prefix, field="postal_code_prefix")
    rate = data.rate
    if rate is None or not rate.is_finite() or rate < 0 or rate >= 1 or rate != rate.quantize(RATE_STEP):
        raise setup_error(
            CheckoutSetupErrorCode.RATE_INVALID,
            _("Enter a rate from 0 % to below 100 %, with at most 4 decimals."),
            field="rate",
        )
    return {
        "country": country,
        "region": region,
        "postal_code_prefix": prefix,
        "rate": rate,
        "name": name_clean(data.name, limit=TAX_NAME_MAX),
        "applies_to_shipping": bool(data.applies_to_shipping),
    }


def _tax_rate_taken(values: dict[str, Any]) -> CheckoutSetupError:
    where = " · ".join(
        part for part in (values["country"], values["region"], values["postal_code_prefix"]) if part
    )
    return setup_error(
        CheckoutSetupErrorCode.TAX_RATE_TAKEN,
        _("There is already a rate for %(where)s; edit that one instead."),
        field="country",
        where=where,
    )


def tax_rate_save(*, tax_rate: TaxRate, data: TaxRateInput) -> TaxRate:
    """Create (`tax_rate` unsaved) or update a tax rate; one rate per destination (country,
    region without case, postal code prefix)."""
    values = tax_rate_clean(data)
    clash = TaxRate.objects.annotate(region_ci=Lower("region")).filter(
        country=values["country"],
        region_ci=values["region"].lower(),
        postal_code_prefix=values["postal_code_prefix"],
    )
    if tax_rate.pk is not None:
        clash = clash.exclude(pk=tax_rate.pk)
    if clash.exists():
        raise _tax_rate_taken(values)
    created = tax_rate.pk is None
    for name, value in values.items():
        setattr(tax_rate, name, value)
    try:
        with transaction.atomic():
            tax_rate.save()
            setup_emit(
                TAXES_UPDATED,
                action="rate_created" if created else "rate_updated",
                tax_rate_id=tax_rate.pk,
                country=tax_rate.country,
            )
    except IntegrityError as exc:  # a concurrent save took the destination first
        if created:
            tax_rate.pk = None
        raise _tax_rate_taken(values) from exc
    return tax_rate


@transaction.atomic
def tax_rate_delete(*, tax_rate: TaxRate) -> None:
    tax_rate_id, country = tax_rate.pk, tax_rate.country
    tax_rate.delete()
    setup_emit(TAXES_UPDATED, action="rate_deleted", tax_rate_id=tax_rate_id, country=country)


@dataclass(frozen=True)
class EuVatLoadResult:
    created: tuple[str, ...]  # countries that got a rate
    kept: tuple[str, ...]  # countries that already had a country-wide rate (left as they were)


@transaction.atomic
def tax_rates_load_eu_standard(*, name: str = "") -> EuVatLoadResult:
    """Add each EU member state's standard VAT rate (`apps.checkout.eu_vat`) as a country-wide
    rate, for the countries that have none yet; a rate the merchant already entered is kept
    as it is, so loading twice changes nothing."""
    label = name_clean(name or _("VAT"), limit=TAX_NAME_MAX)
    existing = set(
        TaxRate.objects.filter(
            country__in=EU_STANDARD_VAT_RATES, region="", postal_code_prefix=""
        ).values_list("country", flat=True)
    )
    missing = sorted(set(EU_STANDARD_VAT_RATES) - existing)
    TaxRate.objects.bulk_create(
        [
            TaxRate(
                country=country,
                rate=EU_STANDARD_VAT_RATES[country] / 100,
                name=label,
                applies_to_shipping=True,
            )
            for country in missing
        ],
        ignore_conflicts=True,
    )
    if missing:
        setup_emit(TAXES_UPDATED, action="eu_vat_loaded", countries=missing)
    return EuVatLoadResult(created=tuple(missing), kept=tuple(sorted(existing)))


def store_prices_include_tax_set(*, value: bool, actor: Any | None = None) -> StoreSettings:
    """Say whether the catalog's prices include tax, through the store settings service (which
    checks the whole row, clears the cached copy and emits `store.settings_updated`). Raises
    `apps.stores.errors.StoreSettingsInvalid` when another stored setting no longer passes."""
    current = store_settings_get()
    data = StoreSettingsInput.from_settings(current, prices_include_tax=bool(value))
    return store_settings_update(data=data, actor=actor)
