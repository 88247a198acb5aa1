"""Reads the orders pages need that `apps.orders.selectors` does not offer (yet).

Each builds on the orders domain's own selectors and pure pricing helpers and writes nothing:

- `order_page`: the staff order list with what the list page filters on beyond
  `order_queryset` (fulfilment state, the date an order was placed in the store's time zone,
  sorting) and the totals of everything the filters match, in a fixed number of queries.
- `order_fulfilment_state`: what the list and detail pages show of an order's shipping, from
  the order row alone (no query); its money is `apps.orders.selectors.order_payment_state`.
- `variant_search`, `shipping_rate_choices`: what a draft or an edit picks from.
- `draft_is_deletable`, `balance_payment`: small facts the action buttons depend on.

Previewing an order edit (and whether an order can be edited at all) is the domain's:
`apps.orders.edits.order_edit_preview` / `order_edit_refusal`.

The orders domain (`apps.orders`) should take these over; until then they live beside the
pages that use them, so nothing here is imported by the domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog.models import ProductVariant
from apps.checkout.models import ShippingRate
from apps.checkout.selectors import variant_available, variant_label
from apps.orders.enums import OrderOrigin, OrderStatus
from apps.orders.models import Order, Payment
from apps.orders.selectors import ORDERS_PER_PAGE, OrderFilters, PaymentState, order_queryset
from apps.orders.settlement import IN_FLIGHT
from apps.payments.gateways.manual import gateway_is_manual

S = OrderStatus
ZERO = Decimal(0)
VARIANT_SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 200


# ------------------------------------------------------------------------------
# The order list
# ------------------------------------------------------------------------------
class FulfilmentState:
    """Where a paid order stands with shipping, read from its status (the fulfilment records
    come with the issue "After the sale"). Nothing of an order in `paid` or
    `partially_refunded` has shipped (`EDITABLE_STATUSES`); the other paid statuses name how
    far shipping got."""

    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"

    STATUSES: dict[str, frozenset[str]] = {
        UNFULFILLED: frozenset({S.PAID, S.PARTIALLY_REFUNDED}),
        PARTIALLY_FULFILLED: frozenset({S.PARTIALLY_FULFILLED}),
        FULFILLED: frozenset({S.FULFILLED}),
        DELIVERED: frozenset({S.DELIVERED}),
    }
    choices = (
        (UNFULFILLED, gettext_lazy("Unfulfilled")),
        (PARTIALLY_FULFILLED, gettext_lazy("Partially fulfilled")),
        (FULFILLED, gettext_lazy("Fulfilled")),
        (DELIVERED, gettext_lazy("Delivered")),
    )


PAYMENT_STATE_CHOICES = (
    (PaymentState.AWAITING, gettext_lazy("Awaiting payment")),
    (PaymentState.PAID, gettext_lazy("Paid")),
    (PaymentState.BALANCE_DUE, gettext_lazy("Balance due")),
    (PaymentState.PARTIALLY_REFUNDED, gettext_lazy("Partially refunded")),
    (PaymentState.REFUNDED, gettext_lazy("Refunded")),
)


class OrderSort:
    NEWEST = "newest"
    OLDEST = "oldest"
    TOTAL_HIGH = "total_high"
    TOTAL_LOW = "total_low"

    ORDERING: dict[str, tuple[Any, ...]] = {
        NEWEST: (F("placed").desc(), "-number"),
        OLDEST: (F("placed").asc(), "number"),
        TOTAL_HIGH: ("-total", "-number"),
        TOTAL_LOW: ("total", "number"),
    }
    choices = (
        (NEWEST, gettext_lazy("Newest first")),
        (OLDEST, gettext_lazy("Oldest first")),
        (TOTAL_HIGH, gettext_lazy("Highest total")),
        (TOTAL_LOW, gettext_lazy("Lowest total")),
    )


@dataclass(frozen=True)
class OrderListFilters:
    search: str = ""  # "#1001" / "1001", an email, or part of the customer's name
    status: str = ""
    payment: str = ""  # a PaymentState value
    fulfilment: str = ""  # a FulfilmentState value
    placed_from: date | None = None  # placed on or after this day (in `zone`)
    placed_to: date | None = None  # placed on or before this day (in `zone`)
    sort: str = OrderSort.NEWEST

    @property
    def active(self) -> bool:
        return bool(
            self.search.strip()
            or self.status
            or self.payment
            or self.fulfilment
            or self.placed_from
            or self.placed_to
        )


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class OrderPage:
    page: Page
    count: int
    # The sum of the matching orders' totals, per currency (one row per currency a store has
    # sold in; almost always one).
    totals: list[CurrencyTotal] = field(default_factory=list)


def _day_start(day: date, zone: tzinfo) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def order_list_queryset(*, filters: OrderListFilters, zone: tzinfo) -> QuerySet[Order]:
    """The store's orders matching `filters` (drafts not paid yet are the drafts page's), each
    with `placed`: when it became an order (placed at checkout, or paid for a draft)."""
    orders = order_queryset(
        filters=OrderFilters(
            status=filters.status, payment=filters.payment, search=filters.search[:SEARCH_MAX_LENGTH]
        )
    ).exclude(origin=OrderOrigin.DRAFT, status=S.PENDING)
    orders = orders.annotate(placed=Coalesce("placed_at", "paid_at", "created_at"))
    statuses = FulfilmentState.STATUSES.get(filters.fulfilment)
    if statuses is not None:
        orders = orders.filter(status__in=sorted(statuses))
    # Day bounds in the store's time zone, as half-open datetimes (index-friendly, no casts).
    if filters.placed_from is not None:
        orders = orders.filter(placed__gte=_day_start(filters.placed_from, zone))
    if filters.placed_to is not None:
        orders = orders.filter(placed__lt=_day_start(filters.placed_to + timedelta(days=1), zone))
    ordering = OrderSort.ORDERING.get(filters.sort, OrderSort.ORDERING[OrderSort.NEWEST])
    return orders.order_by(*ordering)


def order_page(
    *, filters: OrderListFilters, zone: tzinfo, page: int | str | None = 1, per_page: int = ORDERS_PER_PAGE
) -> OrderPage:
    """One page of orders and the totals of all that match: two queries (the totals, which
    also give the paginator its count, and the page with each order's customer)."""
    orders = order_list_queryset(filters=filters, zone=zone)
    totals = [
        CurrencyTotal(currency=row["currency"], count=row["count"], total=row["sum"] or ZERO)
        for row in orders.order_by()
        .values("currency")
        .annotate(count=Count("pk"), sum=Sum("total"))
        .order_by("currency")
    ]
    count = sum(total.count for total in totals)
    paginator = Paginator(orders, per_page)
    paginator.count = count  # type: ignore[misc]  # known already: no second COUNT query
    return OrderPage(page=paginator.get_page(page), count=count, totals=totals)


def order_tax_percent(order: Order) -> Decimal | None:
    """The order's tax rate as people write it: 0.190000 -> 19, 0.077 -> 7.7; None when untaxed."""
    if order.tax_rate is None:
        return None
    return plain_decimal(order.tax_rate * 100)


def plain_decimal(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros, as people write it: 10.000 -> 10, 12.500 -> 12.5."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def order_fulfilment_state(order: Order) -> str:
    for state, statuses in FulfilmentState.STATUSES.items():
        if order.status in statuses:
            return state
    return ""


# ------------------------------------------------------------------------------
# Facts the detail page's actions depend on (from `order_detail`'s prefetch: no query)
# ------------------------------------------------------------------------------
def payments_in_flight(order: Order) -> list[Payment]:
    return [payment for payment in order.payments.all() if payment.status in IN_FLIGHT]


def manual_payment_pending(order: Order) -> Payment | None:
    """The newest manual payment (bank transfer, cash on delivery) still waiting, if any."""
    waiting = [p for p in payments_in_flight(order) if gateway_is_manual(p.gateway)]
    return max(waiting, key=lambda p: p.attempt) if waiting else None


def card_payment_pending(order: Order) -> Payment | None:
    """The newest payment under way at a gateway that is not manual (a card), if any."""
    waiting = [p for p in payments_in_flight(order) if p.gateway and not gateway_is_manual(p.gateway)]
    return max(waiting, key=lambda p: p.attempt) if waiting else None


def balance_payment(order: Order) -> Payment | None:
    """An edit's balance payment the shopper has not paid yet (no gateway chosen so far)."""
    waiting = [p for p in payments_in_flight(order) if not p.gateway]
    return max(waiting, key=lambda p: p.attempt) if waiting else None


def draft_is_deletable(order: Order) -> bool:
    """A draft may be deleted while its payment link has not been sent and nothing was paid or
    started: no shopper can hold a link to it."""
    return (
        order.origin == OrderOrigin.DRAFT
        and order.status == S.PENDING
        and order.draft_sent_at is None
        and not order.payments.all()
    )


# ------------------------------------------------------------------------------
# Variants to add to a draft or an order
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariantChoice:
    id: int
    sku: str
    title: str  # "Linen shirt – M"
    price: Decimal
    available: int


def variant_search(
    *, query: str, exclude: Iterable[int] = (), limit: int = VARIANT_SEARCH_LIMIT
) -> list[VariantChoice]:
    """Variants whose SKU or product title contains `query` (archived products left out), with
    units available: two queries."""
    text = " ".join(str(query or "").split())[:100]
    if not text:
        return []
    variants = list(
        ProductVariant.objects.select_related("product")
        .filter(Q(sku__icontains=text) | Q(product__title__icontains=text) | Q(title__icontains=text))
        .exclude(product__status="archived")
        .exclude(pk__in=list(exclude))
        .order_by("product__title", "position", "pk")[:limit]
    )
    available = variant_available(variant_ids=[v.pk for v in variants])
    return [
        VariantChoice(
            id=variant.pk,
            sku=variant.sku,
            title=_variant_title(variant),
            price=variant.price,
            available=available.get(variant.pk, 0),
        )
        for variant in variants
    ]


def variants_by_id(ids: Iterable[int]) -> dict[int, VariantChoice]:
    """The variants with these ids (those that still exist), for the draft form's chosen lines."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    variants = ProductVariant.objects.select_related("product").in_bulk(wanted)
    available = variant_available(variant_ids=list(variants))
    return {
        vid: VariantChoice(
            id=vid,
            sku=variant.sku,
            title=_variant_title(variant),
            price=variant.price,
            available=available.get(vid, 0),
        )
        for vid, variant in variants.items()
    }


@dataclass(frozen=True)
class RateChoice:
    id: int
    label: str  # "Germany · Standard"
    name: str
    amount: Decimal


def shipping_rate_choices() -> list[RateChoice]:
    """The store's active shipping rates (of active zones), for a draft's shipping: one query."""
    rates = (
        ShippingRate.objects.select_related("zone")
        .filter(active=True, zone__active=True)
        .order_by("zone__name", "amount", "name", "pk")
    )
    return [
        RateChoice(id=rate.pk, label=f"{rate.zone.name} · {rate.name}", name=rate.name, amount=rate.amount)
        for rate in rates
    ]


def _variant_title(variant: ProductVariant) -> str:
    label = variant_label(variant)
    return f"{variant.product.title} – {label}" if label else variant.product.title
