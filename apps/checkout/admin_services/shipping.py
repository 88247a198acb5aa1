"""Shipping zones and their rates, as the merchant sets them up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.checkout.admin_services.common import (
    DELIVERY_DAYS_MAX,
    RATE_NAME_MAX,
    REGION_MAX,
    WEIGHT_MAX_GRAMS,
    ZONE_NAME_MAX,
    CheckoutSetupErrorCode,
    amount_clean,
    amount_or_none_clean,
    bounds_check,
    country_clean,
    list_limit,
    name_clean,
    postal_prefix_clean,
    setup_emit,
    setup_error,
    text_line,
    unique_values,
    whole_clean,
)
from apps.checkout.models import (
    ShippingRate,
    ShippingRateKind,
    ShippingZone,
)
from apps.inventory.models import Location
from apps.stores.selectors import store_currency_get

SHIPPING_UPDATED = "shipping.updated"


# ------------------------------------------------------------------------------
# Shipping zones and rates
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShippingZoneInput:
    name: str
    countries: Sequence[str]
    regions: Sequence[str] = ()
    postal_code_prefixes: Sequence[str] = ()
    active: bool = True


def shipping_zone_clean(data: ShippingZoneInput) -> dict[str, Any]:
    """The zone's column values from `data`, or `CheckoutSetupError` for the first problem."""
    name = name_clean(data.name, limit=ZONE_NAME_MAX)
    countries = unique_values(
        country_clean(code, field="countries") for code in data.countries if str(code).strip()
    )
    if not countries:
        raise setup_error(
            CheckoutSetupErrorCode.COUNTRY_REQUIRED, _("Choose at least one country."), field="countries"
        )
    regions = unique_values((text_line(region) for region in data.regions), key=str.casefold)
    for region in regions:
        if len(region) > REGION_MAX:
            raise setup_error(
                CheckoutSetupErrorCode.TOO_LONG,
                _("“%(region)s” is too long: at most %(max)d characters."),
                field="regions",
                region=region,
                max=REGION_MAX,
            )
    prefixes = unique_values(
        postal_prefix_clean(prefix, field="postal_code_prefixes") for prefix in data.postal_code_prefixes
    )
    return {
        "name": name,
        "countries": list_limit(sorted(countries), field="countries"),
        "regions": list_limit(regions, field="regions"),
        "postal_code_prefixes": list_limit(prefixes, field="postal_code_prefixes"),
        "active": bool(data.active),
    }


@transaction.atomic
def shipping_zone_save(*, zone: ShippingZone, data: ShippingZoneInput) -> ShippingZone:
    """Create (`zone` unsaved) or update a shipping zone."""
    values = shipping_zone_clean(data)
    created = zone.pk is None
    for name, value in values.items():
        setattr(zone, name, value)
    zone.save()
    setup_emit(SHIPPING_UPDATED, action="zone_created" if created else "zone_updated", zone_id=zone.pk)
    return zone


@transaction.atomic
def shipping_zone_delete(*, zone: ShippingZone) -> None:
    """Delete a zone and its rates. Checkouts that had chosen one of them lose the choice
    (`Checkout.shipping_rate` is SET_NULL) and ask the shopper again."""
    zone_id = zone.pk
    zone.delete()
    setup_emit(SHIPPING_UPDATED, action="zone_deleted", zone_id=zone_id)


@dataclass(frozen=True)
class ShippingRateInput:
    name: str
    kind: str
    amount: Decimal
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None
    min_subtotal: Decimal | None = None
    max_subtotal: Decimal | None = None
    free_over_amount: Decimal | None = None
    pickup_location_id: int | None = None
    delivery_days_min: int | None = None
    delivery_days_max: int | None = None
    active: bool = True


def shipping_rate_clean(data: ShippingRateInput, *, currency: str) -> dict[str, Any]:
    """The rate's column values from `data`; what a kind does not use is cleared."""
    name = name_clean(data.name, limit=RATE_NAME_MAX)
    if data.kind not in ShippingRateKind.values:
        raise setup_error(
            CheckoutSetupErrorCode.KIND_INVALID,
            _("Unknown rate type “%(kind)s”."),
            field="kind",
            kind=data.kind,
        )
    kind = ShippingRateKind(data.kind)
    amount = amount_clean(data.amount, field="amount", currency=currency)
    min_weight = whole_clean(data.min_weight_grams, field="min_weight_grams", maximum=WEIGHT_MAX_GRAMS)
    max_weight = whole_clean(data.max_weight_grams, field="max_weight_grams", maximum=WEIGHT_MAX_GRAMS)
    bounds_check(min_weight, max_weight, field="max_weight_grams")
    min_subtotal = amount_or_none_clean(data.min_subtotal, field="min_subtotal", currency=currency)
    max_subtotal = amount_or_none_clean(data.max_subtotal, field="max_subtotal", currency=currency)
    if max_subtotal is not None and max_subtotal == 0:
        raise setup_error(
            CheckoutSetupErrorCode.AMOUNT_INVALID,
            _("A maximum subtotal must be above 0."),
            field="max_subtotal",
        )
    bounds_check(min_subtotal, max_subtotal, field="max_subtotal")
    if kind == ShippingRateKind.WEIGHT and min_weight is None and max_weight is None:
        raise setup_error(
            CheckoutSetupErrorCode.BOUNDS_REQUIRED,
            _("A rate by weight needs a minimum or a maximum weight."),
            field="min_weight_grams",
        )
    if kind == ShippingRateKind.PRICE and min_subtotal is None and max_subtotal is None:
        raise setup_error(
            CheckoutSetupErrorCode.BOUNDS_REQUIRED,
            _("A rate by order subtotal needs a minimum or a maximum subtotal."),
            field="min_subtotal",
        )
    free_over = None
    if kind == ShippingRateKind.FREE_OVER:
        if data.free_over_amount is None:
            raise setup_error(
                CheckoutSetupErrorCode.AMOUNT_INVALID,
                _("Enter the subtotal from which shipping is free."),
                field="free_over_amount",
            )
        free_over = amount_clean(
            data.free_over_amount, field="free_over_amount", currency=currency, positive=True
        )
    pickup_location_id = None
    if kind == ShippingRateKind.PICKUP:
        if data.pickup_location_id is None:
            raise setup_error(
                CheckoutSetupErrorCode.PICKUP_LOCATION_REQUIRED,
                _("Choose where shoppers collect their orders."),
                field="pickup_location",
            )
        if not Location.objects.filter(pk=data.pickup_location_id, is_pickup=True, is_active=True).exists():
            raise setup_error(
                CheckoutSetupErrorCode.PICKUP_LOCATION_INVALID,
                _("That location is not an active pickup point; mark it as one in Inventory first."),
                field="pickup_location",
            )
        pickup_location_id = data.pickup_location_id
    days_min = whole_clean(data.delivery_days_min, field="delivery_days_min", maximum=DELIVERY_DAYS_MAX)
    days_max = whole_clean(data.delivery_days_max, field="delivery_days_max", maximum=DELIVERY_DAYS_MAX)
    bounds_check(days_min, days_max, field="delivery_days_max", strict=False)
    return {
        "name": name,
        "kind": kind.value,
        "amount": amount,
        "min_weight_grams": min_weight,
        "max_weight_grams": max_weight,
        "min_subtotal": min_subtotal,
        "max_subtotal": max_subtotal,
        "free_over_amount": free_over,
        "pickup_location_id": pickup_location_id,
        "delivery_days_min": days_min,
        "delivery_days_max": days_max,
        "active": bool(data.active),
    }


@transaction.atomic
def shipping_rate_save(*, rate: ShippingRate, zone: ShippingZone, data: ShippingRateInput) -> ShippingRate:
    """Create (`rate` unsaved) or update a rate of `zone`."""
    values = shipping_rate_clean(data, currency=store_currency_get())
    created = rate.pk is None
    rate.zone = zone
    for name, value in values.items():
        setattr(rate, name, value)
    rate.save()
    setup_emit(
        SHIPPING_UPDATED,
        action="rate_created" if created else "rate_updated",
        zone_id=zone.pk,
        rate_id=rate.pk,
    )
    return rate


@transaction.atomic
def shipping_rate_delete(*, rate: ShippingRate) -> None:
    rate_id, zone_id = rate.pk, rate.zone_id
    rate.delete()
    setup_emit(SHIPPING_UPDATED, action="rate_deleted", zone_id=zone_id, rate_id=rate_id)
