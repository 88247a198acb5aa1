"""Fulfilment reads: an order's shipments with their lines and tracking, and how many units of
each line are left to ship. Each reads a fixed number of queries whatever the number of
shipments, lines or scans."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet, Sum

from apps.fulfilment.enums import FulfilmentStatus
from apps.fulfilment.models import Fulfilment, FulfilmentLine, TrackingEvent
from apps.orders.models import Order, OrderLine


def fulfilments_for_order(order: Order) -> list[Fulfilment]:
    """The order's shipments, oldest first, with lines (and their order lines) and scans newest
    first (three queries)."""
    return list(
        Fulfilment.objects.filter(order=order)
        .prefetch_related(
            Prefetch("lines", queryset=FulfilmentLine.objects.select_related("order_line")),
            Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
        )
        .order_by("shipped_at", "id")
    )


def submission_recorded(order: Order, token: str) -> bool:
    """Whether a shipment of `order` was recorded by the staff form whose one-time token is
    `token` (any text: a token that is not a UUID recorded nothing)."""
    try:
        parsed = uuid.UUID(token)
    except ValueError:
        return False
    return Fulfilment.objects.filter(order=order, submission_token=parsed).exists()


def fulfilled_quantities(order_ids: Iterable[int]) -> dict[int, int]:
    """Units shipped (not counting cancelled shipments) per order line of these orders."""
    rows = (
        FulfilmentLine.objects.filter(fulfilment__order_id__in=list(order_ids))
        .exclude(fulfilment__status=FulfilmentStatus.CANCELLED)
        .values("order_line_id")
        .annotate(shipped=Sum("quantity"))
    )
    return {row["order_line_id"]: int(row["shipped"] or 0) for row in rows}


def remaining_quantities(order: Order, lines: Iterable[OrderLine] | None = None) -> dict[int, int]:
    """Units of each of the order's lines still to ship: ordered minus shipped (an order edit
    changes the line's quantity itself; orders record refunds as amounts, not units, so a
    partly refunded order may still ship all its units)."""
    lines = list(order.lines.all() if lines is None else lines)
    shipped = fulfilled_quantities([order.pk])
    return {line.pk: max(0, line.quantity - shipped.get(line.pk, 0)) for line in lines}


def shipments_by_order(order_ids: Iterable[int]) -> dict[int, list[Fulfilment]]:
    """The live (not cancelled) shipments of many orders, with their lines and scans (three
    queries)."""
    by_order: dict[int, list[Fulfilment]] = defaultdict(list)
    queryset: QuerySet[Fulfilment] = (
        Fulfilment.objects.filter(order_id__in=list(order_ids))
        .exclude(status=FulfilmentStatus.CANCELLED)
        .prefetch_related(
            "lines", Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))
        )
        .order_by("shipped_at", "id")
    )
    for fulfilment in queryset:
        by_order[fulfilment.order_id].append(fulfilment)
    return by_order
