"""Reads behind the dashboard's shipping, tax, discount and gift card pages. Each list declares
its queries here (`select_related`/`prefetch_related`, annotations), so a page's query count
does not grow with its rows; the dashboard tests pin them.

A discount's and a gift card's status are computed in the database (one `Case` each), so the
same definition labels a row and filters the list.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Case, CharField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Collection, Product
from apps.checkout.models import (
    Discount,
    DiscountRedemption,
    GiftCard,
    GiftCardTransaction,
    ShippingRate,
    ShippingZone,
    TaxRate,
)
from apps.inventory.models import Location

SEARCH_MAX = 100


# ------------------------------------------------------------------------------
# Shipping and taxes
# ------------------------------------------------------------------------------
def shipping_zone_list() -> QuerySet[ShippingZone]:
    """Every zone with its rates (and their pickup points) in two more queries."""
    rates = ShippingRate.objects.select_related("pickup_location").order_by("kind", "amount", "name", "id")
    return ShippingZone.objects.prefetch_related(Prefetch("rates", queryset=rates)).order_by("name", "id")


def shipping_zone_get(*, zone_id: int) -> ShippingZone | None:
    return ShippingZone.objects.filter(pk=zone_id).first()


def shipping_rate_get(*, zone: ShippingZone, rate_id: int) -> ShippingRate | None:
    return (
        ShippingRate.objects.filter(zone=zone, pk=rate_id).select_related("zone", "pickup_location").first()
    )


def pickup_location_choices(*, include_id: int | None = None) -> list[Location]:
    """Active pickup points, plus the one a rate already names (so editing it keeps showing it)."""
    condition = Q(is_pickup=True, is_active=True)
    if include_id is not None:
        condition |= Q(pk=include_id)
    return list(Location.objects.filter(condition).order_by("name", "pk"))


def tax_rate_list() -> QuerySet[TaxRate]:
    return TaxRate.objects.order_by("country", "region", "postal_code_prefix", "id")


def tax_rate_get(*, tax_rate_id: int) -> TaxRate | None:
    return TaxRate.objects.filter(pk=tax_rate_id).first()


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
class DiscountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SCHEDULED = "scheduled", _("Scheduled")
    EXPIRED = "expired", _("Expired")
    EXHAUSTED = "exhausted", _("Used up")
    INACTIVE = "inactive", _("Deactivated")


def discount_status_expression(*, now: datetime) -> Case:
    """The status of a discount at `now`: deactivated, else expired, else used up, else
    scheduled (not started), else active."""
    return Case(
        When(active=False, then=Value(DiscountStatus.INACTIVE.value)),
        When(ends_at__lte=now, then=Value(DiscountStatus.EXPIRED.value)),
        When(
            usage_limit__isnull=False,
            times_used__gte=F("usage_limit"),
            then=Value(DiscountStatus.EXHAUSTED.value),
        ),
        When(starts_at__gt=now, then=Value(DiscountStatus.SCHEDULED.value)),
        default=Value(DiscountStatus.ACTIVE.value),
        output_field=CharField(),
    )


def discount_list(*, status: str = "", query: str = "", now: datetime | None = None) -> QuerySet[Discount]:
    """Discounts newest first, each with `status`; filtered by a `DiscountStatus` value and by
    code or name containing `query`."""
    discounts = Discount.objects.annotate(status=discount_status_expression(now=now or timezone.now()))
    if status in DiscountStatus.values:
        discounts = discounts.filter(status=status)
    query = query.strip()[:SEARCH_MAX]
    if query:
        discounts = discounts.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return discounts.order_by("-created_at", "-id")


def discount_get(*, discount_id: int, now: datetime | None = None) -> Discount | None:
    return (
        Discount.objects.annotate(status=discount_status_expression(now=now or timezone.now()))
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.order_by("title", "id")),
            Prefetch("collections", queryset=Collection.objects.order_by("title", "id")),
        )
        .filter(pk=discount_id)
        .first()
    )


def discount_redemptions(*, discount: Discount) -> QuerySet[DiscountRedemption]:
    return DiscountRedemption.objects.filter(discount=discount).order_by("-created_at", "-id")


def product_choices() -> QuerySet[Product]:
    return Product.objects.order_by("title", "id").only("id", "title")


def collection_choices() -> QuerySet[Collection]:
    return Collection.objects.order_by("title", "id").only("id", "title")


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
class GiftCardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    USED_UP = "used_up", _("Used up")
    EXPIRED = "expired", _("Expired")
    DISABLED = "disabled", _("Disabled")


def gift_card_status_expression(*, now: datetime) -> Case:
    return Case(
        When(active=False, then=Value(GiftCardStatus.DISABLED.value)),
        When(expires_at__lte=now, then=Value(GiftCardStatus.EXPIRED.value)),
        When(balance__lte=0, then=Value(GiftCardStatus.USED_UP.value)),
        default=Value(GiftCardStatus.ACTIVE.value),
        output_field=CharField(),
    )


def gift_card_list(*, query: str = "", status: str = "", now: datetime | None = None) -> QuerySet[GiftCard]:
    """Gift cards newest first with `status`; `query` matches part of the code (e.g. its last
    four characters) or of the recipient's email."""
    cards = GiftCard.objects.annotate(status=gift_card_status_expression(now=now or timezone.now()))
    if status in GiftCardStatus.values:
        cards = cards.filter(status=status)
    query = query.strip()[:SEARCH_MAX]
    if query:
        code_part = "".join(query.split()).upper()
        cards = cards.filter(Q(code__contains=code_part) | Q(issued_to_email__icontains=query))
    return cards.order_by("-created_at", "-id")


def gift_card_get(*, gift_card_id: int, now: datetime | None = None) -> GiftCard | None:
    return (
        GiftCard.objects.annotate(status=gift_card_status_expression(now=now or timezone.now()))
        .select_related("created_by")
        .filter(pk=gift_card_id)
        .first()
    )


def gift_card_transactions(*, gift_card: GiftCard) -> QuerySet[GiftCardTransaction]:
    return (
        GiftCardTransaction.objects.filter(gift_card=gift_card)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
