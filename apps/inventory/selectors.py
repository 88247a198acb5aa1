"""Inventory reads: locations with their totals, a location's stock by variant, stock per
variant across locations, and the movement history. Each runs a fixed number of queries
however many variants, locations or movements there are (pinned by tests)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.core.cache import cache
from django.db.models import Count, F, FilteredRelation, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from apps.catalog.models import ProductVariant
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.pickup import distance_km


class LocationTotals(TypedDict):
    variant_count: int
    on_hand_total: int
    reserved_total: int


class StockAtLocation(TypedDict):
    stock_id: int | None
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int


if TYPE_CHECKING:  # the two-argument form exists for the type checker only
    from django_stubs_ext import WithAnnotations

    LocationWithTotals = WithAnnotations[Location, LocationTotals]
    VariantWithStock = WithAnnotations[ProductVariant, StockAtLocation]

DEFAULT_LOW_STOCK_THRESHOLD: int = StockLevel._meta.get_field("low_stock_threshold").default  # type: ignore[assignment]


def location_list() -> QuerySet[LocationWithTotals]:
    """Every location, by priority, with how many variants it holds and its totals."""
    return Location.objects.annotate(
        variant_count=Count("stock_levels", filter=Q(stock_levels__on_hand__gt=0)),
        on_hand_total=Coalesce(Sum("stock_levels__on_hand"), 0),
        reserved_total=Coalesce(Sum("stock_levels__reserved"), 0),
    ).order_by("priority", "name", "id")


def location_get(*, location_id: int) -> Location | None:
    return Location.objects.filter(pk=location_id).first()


def _with_stock_at(queryset: QuerySet[ProductVariant], location: Location) -> QuerySet[VariantWithStock]:
    # A LEFT JOIN on this location's level only: variants without one show zeros.
    return queryset.annotate(
        here=FilteredRelation("stock_levels", condition=Q(stock_levels__location=location))
    ).annotate(
        stock_id=F("here__id"),
        on_hand=Coalesce(F("here__on_hand"), Value(0), output_field=IntegerField()),
        reserved=Coalesce(F("here__reserved"), Value(0), output_field=IntegerField()),
        low_stock_threshold=Coalesce(
            F("here__low_stock_threshold"), Value(DEFAULT_LOW_STOCK_THRESHOLD), output_field=IntegerField()
        ),
        available=F("on_hand") - F("reserved"),
    )


def stock_list(*, location: Location, query: str = "") -> QuerySet[VariantWithStock]:
    """Every variant with its product and what `location` holds of it: `on_hand`, `reserved`,
    `available`, `low_stock_threshold` and `stock_id` (None before the first change there).
    `query` matches the SKU, the product title or the variant title. One query per page."""
    variants = ProductVariant.objects.select_related("product")
    query = query.strip()
    if query:
        variants = variants.filter(
            Q(sku__icontains=query) | Q(product__title__icontains=query) | Q(title__icontains=query)
        )
    return _with_stock_at(variants, location).order_by("product__title", "product_id", "position", "id")


def stock_at_location(*, location: Location, variant_id: int) -> VariantWithStock | None:
    """One variant with what `location` holds of it (the same annotations as `stock_list`)."""
    return (
        _with_stock_at(ProductVariant.objects.select_related("product"), location)
        .filter(pk=variant_id)
        .first()
    )


def stock_for_variants(*, variant_ids: Iterable[int]) -> dict[int, list[StockLevel]]:
    """Each variant's stock levels with their locations, by location priority, in one query;
    every id asked for is a key (an empty list when it has no stock anywhere)."""
    ids = list(variant_ids)
    result: dict[int, list[StockLevel]] = {variant_id: [] for variant_id in ids}
    levels = (
        StockLevel.objects.filter(variant_id__in=ids)
        .select_related("location")
        .order_by("location__priority", "location__name", "id")
    )
    for level in levels:
        result[level.variant_id].append(level)
    return result


def movement_list(
    *, stock_id: int | None = None, variant_id: int | None = None, location_id: int | None = None
) -> QuerySet[StockMovement]:
    """Stock changes, newest first, with the variant, product, location and actor joined."""
    movements = StockMovement.objects.select_related(
        "stock__variant__product", "stock__location", "actor"
    ).order_by("-created_at", "-id")
    if stock_id is not None:
        movements = movements.filter(stock_id=stock_id)
    if variant_id is not None:
        movements = movements.filter(stock__variant_id=variant_id)
    if location_id is not None:
        movements = movements.filter(stock__location_id=location_id)
    return movements


# ------------------------------------------------------------------------------
# pickup points (the storefront's store locator)
# ------------------------------------------------------------------------------
PICKUP_EXISTS_CACHE_KEY = "inventory:pickup_exists:v1"
PICKUP_EXISTS_CACHE_SECONDS = 10 * 60


@dataclass(frozen=True)
class PickupPoint:
    location: Location
    distance_km: float | None  # from the shopper, when they shared where they are


def pickup_location_list(*, near: tuple[float, float] | None = None) -> list[PickupPoint]:
    """Active pickup points: by name, or nearest first when `near` (latitude, longitude) is
    given, those without a position last. One query however many there are."""
    locations = list(Location.objects.filter(is_pickup=True, is_active=True).order_by("name", "pk"))
    if near is None:
        return [PickupPoint(location=location, distance_km=None) for location in locations]
    points = [
        PickupPoint(
            location=location,
            distance_km=(
                distance_km(near[0], near[1], float(location.latitude), float(location.longitude))
                if location.latitude is not None and location.longitude is not None
                else None
            ),
        )
        for location in locations
    ]
    return sorted(points, key=lambda point: (point.distance_km is None, point.distance_km or 0.0))


def pickup_locations_exist() -> bool:
    """Whether the store has an active pickup point (asked on every storefront page, so it is
    cached; `location_save` forgets the answer)."""
    cached = cache.get(PICKUP_EXISTS_CACHE_KEY)
    if isinstance(cached, bool):
        return cached
    found = Location.objects.filter(is_pickup=True, is_active=True).exists()
    cache.set(PICKUP_EXISTS_CACHE_KEY, found, PICKUP_EXISTS_CACHE_SECONDS)
    return found
