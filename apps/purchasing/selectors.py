"""Reads of purchase orders: costs for profit, the dashboard's lists, an order's supplier orders."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from apps.orders.models import Order
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus, PurchasingSettings

ZERO = Decimal("0")

# Supplier orders that cost us nothing (never placed, or called off).
NOT_COSTED = (PurchaseOrderStatus.CANCELLED,)


def purchase_order_costs(order_ids: Iterable[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(goods cost, shipping cost) we owe suppliers per order id, in one query; orders without
    supplier orders are absent. Cancelled supplier orders count for nothing."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = (
        PurchaseOrder.objects.filter(order_id__in=ids)
        .exclude(status__in=NOT_COSTED)
        .values("order_id")
        .annotate(cost=Sum("cost"), shipping=Sum("shipping_cost"))
        .order_by()
    )
    return {row["order_id"]: (row["cost"] or ZERO, row["shipping"] or ZERO) for row in rows}


def purchase_order_cost_for_order(order: Order) -> Decimal | None:
    """What the order's goods and shipping cost us at suppliers, or None without supplier orders."""
    costs = purchase_order_costs([order.pk]).get(order.pk)
    if costs is None:
        return None
    return costs[0] + costs[1]


def purchasing_settings_get() -> PurchasingSettings:
    """This store's purchasing settings, created with defaults on first read."""
    settings, _created = PurchasingSettings.objects.get_or_create(pk=1)
    return settings


def purchase_order_list(*, status: str = "", status_in: Iterable[str] = ()) -> QuerySet[PurchaseOrder]:
    """Newest first, with the order and supplier joined (a list page's rows cost no more queries)."""
    queryset = PurchaseOrder.objects.select_related("order", "supplier")
    if status:
        queryset = queryset.filter(status=status)
    statuses = list(status_in)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    return queryset.order_by("-created_at", "-id")


def purchase_order_counts() -> dict[str, int]:
    """How many purchase orders are in each status (one query)."""
    rows = PurchaseOrder.objects.values("status").annotate(count=Count("id")).order_by()
    return {row["status"]: row["count"] for row in rows}


def purchase_order_detail(purchase_order_id: int) -> PurchaseOrder | None:
    return (
        PurchaseOrder.objects.select_related("order", "supplier", "approved_by")
        .filter(pk=purchase_order_id)
        .first()
    )


def purchase_orders_for_order(order: Order) -> list[PurchaseOrder]:
    return list(
        PurchaseOrder.objects.filter(order=order)
        .select_related("supplier")
        .prefetch_related("lines")
        .order_by("id")
    )
