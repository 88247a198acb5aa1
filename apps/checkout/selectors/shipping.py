"""Where an order goes and what that means: the shipping methods offered for a destination and a
cart, and the tax rate of the destination.

Zones: a zone matches a destination when the destination's country is one of its countries and,
when the zone lists regions, its region is one of them (without regard to case), and, when it
lists postal-code prefixes, its postal code starts with one of them (without spaces or case).
When several zones match, only the most specific ones offer their rates: a zone matched by
postal code beats one matched by region, which beats one matched by country alone (so a
"Berlin" zone replaces "Germany" for Berlin addresses instead of adding to it).

Rates: a rate of a matching zone is offered when it is active and the cart's weight and
subtotal (before discounts) are within its bounds, the minimum included and the maximum not.
A `free_over` rate costs nothing once the subtotal reaches its `free_over_amount`.

Taxes: of the rates for the destination's country, the most specific one that matches applies:
the longest matching postal-code prefix, then a region match, then the country's own rate. A
rate with both a region and a prefix must match both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.checkout.models import ShippingRate, ShippingRateKind, ShippingZone, TaxRate
from apps.core.money import money_quantize
from apps.customers.services import region_key
from apps.inventory.models import Location


@dataclass(frozen=True)
class Destination:
    country: str
    region: str = ""
    postal_code: str = ""

    @classmethod
    def from_address(cls, address: Mapping[str, Any] | None) -> Destination | None:
        """The destination of an address dict (as `address_clean` returns it); None without a
        country."""
        if not address:
            return None
        country = str(address.get("country") or "").strip().upper()
        if not country:
            return None
        return cls(
            country=country,
            region=str(address.get("region") or "").strip(),
            postal_code=str(address.get("postal_code") or ""),
        )

    @classmethod
    def from_location(cls, location: Location) -> Destination | None:
        if not location.country:
            return None
        return cls(country=location.country.upper(), region=location.region, postal_code=location.postal_code)


def postal_code_compact(value: str) -> str:
    """A postal code or prefix as compared: upper case, no spaces."""
    return "".join(str(value or "").split()).upper()


# ------------------------------------------------------------------------------
# shipping
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShippingChoice:
    rate_id: int
    name: str
    amount: Decimal  # what the shopper pays for it with this cart, as entered (tax as prices)
    delivery_days: tuple[int | None, int | None] | None  # (from, to); None when not given
    pickup_location: Location | None
    kind: str = ShippingRateKind.FLAT
    zone_name: str = ""

    @property
    def is_pickup(self) -> bool:
        return self.kind == ShippingRateKind.PICKUP


def _region(country: str, region: str) -> str:
    """A region as the address data keys it, for comparing without regard to case or to how it
    was written: a zone's "California" matches an address's "CA", a rate's "M" Spain's
    "Madrid"."""
    return region_key(country=country, region=region).casefold()


def zone_specificity(zone: ShippingZone, destination: Destination) -> int | None:
    """How closely `zone` matches `destination`: None (it does not), 0 (by country), 1 (by
    region), 2 (by postal code)."""
    if destination.country not in zone.countries:
        return None
    level = 0
    if zone.regions:
        region = _region(destination.country, destination.region)
        if not region or region not in {_region(destination.country, value) for value in zone.regions}:
            return None
        level = 1
    if zone.postal_code_prefixes:
        code = postal_code_compact(destination.postal_code)
        if not code or not any(
            code.startswith(postal_code_compact(p)) for p in zone.postal_code_prefixes if p
        ):
            return None
        level = 2
    return level


def rate_is_offered(rate: ShippingRate, *, subtotal: Decimal, weight_grams: int) -> bool:
    if rate.min_weight_grams is not None and weight_grams < rate.min_weight_grams:
        return False
    if rate.max_weight_grams is not None and weight_grams >= rate.max_weight_grams:
        return False
    if rate.min_subtotal is not None and subtotal < rate.min_subtotal:
        return False
    return not (rate.max_subtotal is not None and subtotal >= rate.max_subtotal)


def rate_amount(rate: ShippingRate, *, subtotal: Decimal, currency: str) -> Decimal:
    free_over = rate.free_over_amount if rate.kind == ShippingRateKind.FREE_OVER else None
    if free_over is not None and subtotal >= free_over:
        return money_quantize(Decimal(0), currency)
    return money_quantize(rate.amount, currency)


def shipping_choices(
    *, destination: Destination | None, subtotal: Decimal, weight_grams: int, currency: str
) -> list[ShippingChoice]:
    """The methods offered for `destination` and a cart of `subtotal` and `weight_grams`,
    cheapest first (one query; none without a destination)."""
    if destination is None:
        return []
    rates = (
        ShippingRate.objects.filter(
            active=True, zone__active=True, zone__countries__contains=[destination.country]
        )
        .select_related("zone", "pickup_location")
        .order_by("amount", "name", "id")
    )
    return choices_from_rates(
        rates, destination=destination, subtotal=subtotal, weight_grams=weight_grams, currency=currency
    )


def choices_from_rates(
    rates: Iterable[ShippingRate],
    *,
    destination: Destination,
    subtotal: Decimal,
    weight_grams: int,
    currency: str,
) -> list[ShippingChoice]:
    """`shipping_choices` on rates already read (with their zones): pure."""
    matched: list[tuple[int, ShippingRate]] = []
    for rate in rates:
        level = zone_specificity(rate.zone, destination)
        if level is None or not rate.active or not rate.zone.active:
            continue
        if rate.kind == ShippingRateKind.PICKUP and (
            rate.pickup_location is None
            or not rate.pickup_location.is_pickup
            or not rate.pickup_location.is_active
        ):
            continue
        if rate_is_offered(rate, subtotal=subtotal, weight_grams=weight_grams):
            matched.append((level, rate))
    if not matched:
        return []
    best = max(level for level, _rate in matched)
    choices = [
        ShippingChoice(
            rate_id=rate.pk,
            name=rate.name,
            amount=rate_amount(rate, subtotal=subtotal, currency=currency),
            delivery_days=(rate.delivery_days_min, rate.delivery_days_max)
            if rate.delivery_days_min is not None or rate.delivery_days_max is not None
            else None,
            pickup_location=rate.pickup_location,
            kind=rate.kind,
            zone_name=rate.zone.name,
        )
        for level, rate in matched
        if level == best
    ]
    return sorted(choices, key=lambda choice: (choice.amount, choice.name, choice.rate_id))


# ------------------------------------------------------------------------------
# taxes
# ------------------------------------------------------------------------------
def tax_rate_pick(rates: Iterable[TaxRate], destination: Destination) -> TaxRate | None:
    """The most specific of `rates` matching `destination` (see the module docstring): pure."""
    code = postal_code_compact(destination.postal_code)
    region = _region(destination.country, destination.region)
    best: tuple[int, int, int] | None = None
    chosen: TaxRate | None = None
    for rate in rates:
        if rate.country != destination.country:
            continue
        if rate.region and _region(destination.country, rate.region) != region:
            continue
        prefix = postal_code_compact(rate.postal_code_prefix)
        if prefix and not code.startswith(prefix):
            continue
        rank = (1 if prefix else 0, len(prefix), 1 if rate.region else 0)
        if best is None or rank > best:
            best, chosen = rank, rate
    return chosen


def tax_rate_for(*, destination: Destination | None) -> TaxRate | None:
    """The tax rate charged for `destination` (one query; None without a destination or a
    matching rate, which means no tax)."""
    if destination is None:
        return None
    return tax_rate_pick(TaxRate.objects.filter(country=destination.country), destination)
