"""What the dashboard reads of a store's analytics: the figures of a period (the home page) and
the reports (sales by day, by product, by channel and traffic source, top customers, the
conversion funnel).

Days before today come from the daily tables (`apps.analytics.services.daily_aggregate` keeps
them, yesterday and today again every hour); today is computed live from the raw visits and the
orders, so the home page is current without waiting for the job. Every selector runs a fixed
number of queries, whatever the number of days, visits or orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from apps.analytics.daily import (
    ZERO,
    OrderFigures,
    VisitFigures,
    day_window,
    order_figures,
    store_zone,
    visit_figures,
)
from apps.analytics.models import DailyChannel, DailyCustomer, DailyProduct, DailySource, DailyStats
from apps.core.money import money_quantize
from apps.customers.models import Customer
from apps.orders.enums import OrderOrigin
from apps.orders.models import Order
from apps.stores.selectors import store_currency_get

logger = logging.getLogger(__name__)

TODAY_KEY_PREFIX = "analytics:today-orders:v1"


@dataclass(frozen=True)
class DayFigures:
    day: date
    revenue: Decimal
    orders: int
    visits: int
    customers: int
    returning_customers: int
    profit: Decimal


@dataclass(frozen=True)
class PeriodFigures:
    start: date  # inclusive, store-local dates
    end: date  # inclusive
    revenue: Decimal
    orders: int
    average_order_value: Decimal | None  # None when no orders
    visits: int
    conversion_rate: Decimal | None  # orders / visits as a fraction, None when no visits
    customers: int
    returning_customers: int
    profit: Decimal
    days: list[DayFigures]  # one per day, zero-filled, in order


def store_today() -> date:
    """Today in the store's time zone."""
    return timezone.localtime(timezone.now(), store_zone()).date()


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _ratio(part: int | Decimal, whole: int | Decimal, places: str = "0.0001") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places))


@dataclass(frozen=True)
class _Today:
    day: date
    visits: VisitFigures
    orders: OrderFigures


def _today_live(start: date, end: date) -> _Today | None:
    """Today's figures from the raw rows, when today is inside [start, end]."""
    today = store_today()
    if not start <= today <= end:
        return None
    since, until = day_window(today, today, store_zone())
    return _Today(day=today, visits=visit_figures(since, until), orders=_today_orders(since, until))


def _today_orders(since: datetime, until: datetime) -> OrderFigures:
    """Today's order figures, reused for ANALYTICS_TODAY_CACHE_SECONDS while the orders paid
    today are the same and unchanged: one cheap read of their count and last change (the
    `paid_at` index) instead of reading every order, its lines and costs on each dashboard
    view (~80 ms at 300 orders a day). A supplier cost changed without touching the order
    shows within that time. The key carries the store's schema (the cache's KEY_FUNCTION)."""
    seconds = settings.ANALYTICS_TODAY_CACHE_SECONDS
    if seconds <= 0:
        return order_figures(since, until, with_refunds=False)
    stamp = Order.objects.filter(paid_at__gte=since, paid_at__lt=until).aggregate(
        count=Count("id"), changed=Max("updated_at")
    )
    changed = stamp["changed"].isoformat() if stamp["changed"] else "-"
    key = f"{TODAY_KEY_PREFIX}:{since.isoformat()}:{stamp['count']}:{changed}:{store_currency_get()}"
    try:
        cached = cache.get(key)
    except Exception:
        logger.warning("analytics: today's figures unreadable from the cache", exc_info=True)
        cached = None
    if isinstance(cached, OrderFigures):
        return cached
    figures = order_figures(since, until, with_refunds=False)
    try:
        cache.set(key, figures, seconds)
    except Exception:
        logger.warning("analytics: today's figures not kept in the cache", exc_info=True)
    return figures


def _distinct_customers(start: date, end: date, today: _Today | None) -> tuple[int, int]:
    """Distinct customers and returning customers of the period: the daily rows' (days before
    today) and today's live ones, each customer once (one query: both counts in one scan of the
    period's daily customer rows, the longest read of the dashboard home)."""
    stored = DailyCustomer.objects.filter(day__gte=start, day__lte=end)
    if today is not None:
        stored = stored.filter(day__lt=today.day)
    live = today.orders.customers if today is not None else {}
    live_returning = [cid for cid, customer in live.items() if customer.returning]
    counts = stored.aggregate(
        customers=Count("customer_id", distinct=True, filter=~Q(customer_id__in=list(live))),
        returning=Count(
            "customer_id", distinct=True, filter=Q(returning=True) & ~Q(customer_id__in=live_returning)
        ),
    )
    return (counts["customers"] or 0) + len(live), (counts["returning"] or 0) + len(live_returning)


def store_figures(*, start: date, end: date) -> PeriodFigures:
    """The store's figures from `start` to `end` (store-local dates, both included), with one
    entry per day. Six queries for the stored days, plus about eight for today when the period
    includes it, whatever the number of days or orders."""
    if start > end:
        raise ValueError("start is after end")
    currency = store_currency_get()
    today = _today_live(start, end)
    by_day: dict[date, DayFigures] = {}
    rows = DailyStats.objects.filter(day__gte=start, day__lte=end)
    if today is not None:
        rows = rows.filter(day__lt=today.day)
    for row in rows.only("day", "revenue", "orders", "visits", "customers", "returning_customers", "profit"):
        by_day[row.day] = DayFigures(
            day=row.day,
            revenue=row.revenue,
            orders=row.orders,
            visits=row.visits,
            customers=row.customers,
            returning_customers=row.returning_customers,
            profit=row.profit,
        )
    if today is not None:
        by_day[today.day] = DayFigures(
            day=today.day,
            revenue=today.orders.revenue,
            orders=today.orders.orders,
            visits=today.visits.visits,
            customers=len(today.orders.customers),
            returning_customers=today.orders.returning_customers,
            profit=today.orders.profit,
        )
    days = [
        by_day.get(day)
        or DayFigures(
            day=day, revenue=ZERO, orders=0, visits=0, customers=0, returning_customers=0, profit=ZERO
        )
        for day in _days(start, end)
    ]
    revenue = sum((day.revenue for day in days), ZERO)
    orders = sum(day.orders for day in days)
    visits = sum(day.visits for day in days)
    customers, returning = _distinct_customers(start, end, today)
    return PeriodFigures(
        start=start,
        end=end,
        revenue=money_quantize(revenue, currency),
        orders=orders,
        average_order_value=money_quantize(revenue / orders, currency) if orders else None,
        visits=visits,
        conversion_rate=_ratio(orders, visits),
        customers=customers,
        returning_customers=returning,
        profit=money_quantize(sum((day.profit for day in days), ZERO), currency),
        days=days,
    )


# ------------------------------------------------------------------------------
# reports (daily tables only: refreshed hourly, today included)
# ------------------------------------------------------------------------------
def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before [start, end]."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def percent_change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Change from `previous` to `current` in percent (one decimal); None when there was nothing
    before to compare with."""
    if current is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Funnel:
    visits: int
    product_views: int
    carts: int
    checkouts: int
    orders: int

    def steps(self) -> list[tuple[str, int, Decimal | None]]:
        """(step, sessions, share of visits) from visit to order."""
        values = [
            ("visits", self.visits),
            ("product_views", self.product_views),
            ("carts", self.carts),
            ("checkouts", self.checkouts),
            ("orders", self.orders),
        ]
        return [(name, value, _ratio(value, self.visits)) for name, value in values]


def funnel_figures(*, start: date, end: date) -> Funnel:
    """Sessions at each step from visit to order over [start, end] (one query)."""
    row = DailyStats.objects.filter(day__gte=start, day__lte=end).aggregate(
        visits=Sum("visits"),
        product_views=Sum("product_views"),
        carts=Sum("carts"),
        checkouts=Sum("checkouts"),
        orders=Sum("orders"),
    )
    return Funnel(**{name: row[name] or 0 for name in row})


def sales_by_day(*, start: date, end: date) -> list[DailyStats]:
    """One row per day of [start, end] (unsaved zero rows for days without figures), newest
    first (one query)."""
    currency = store_currency_get()
    stored = {row.day: row for row in DailyStats.objects.filter(day__gte=start, day__lte=end)}
    return [stored.get(day) or DailyStats(day=day, currency=currency) for day in reversed(_days(start, end))]


def sales_by_product(*, start: date, end: date) -> QuerySet[Any, Any]:
    """Per product over [start, end]: views, orders, units and revenue, best sellers first."""
    return (
        DailyProduct.objects.filter(day__gte=start, day__lte=end)
        .values("product_id")
        .annotate(
            title=Max("title"),
            views=Sum("views"),
            orders=Sum("orders"),
            quantity=Sum("quantity"),
            revenue=Sum("revenue"),
        )
        .order_by("-revenue", "-views", "product_id")
    )


def sales_by_channel(*, start: date, end: date) -> list[dict[str, Any]]:
    """Orders and revenue per channel (the orders' origin) over [start, end] (one query)."""
    labels = dict(OrderOrigin.choices)
    rows = (
        DailyChannel.objects.filter(day__gte=start, day__lte=end)
        .values("channel")
        .annotate(orders=Sum("orders"), revenue=Sum("revenue"))
        .order_by("-revenue", "channel")
    )
    return [{**row, "label": labels.get(row["channel"], row["channel"])} for row in rows]


def traffic_sources(*, start: date, end: date) -> QuerySet[Any, Any]:
    """Sessions per traffic source over [start, end] and how far they went, biggest first."""
    return (
        DailySource.objects.filter(day__gte=start, day__lte=end)
        .values("source")
        .annotate(
            visits=Sum("visits"),
            product_views=Sum("product_views"),
            carts=Sum("carts"),
            checkouts=Sum("checkouts"),
            orders=Sum("orders"),
            revenue=Sum("revenue"),
        )
        .order_by("-visits", "source")
    )


def top_customers(*, start: date, end: date) -> QuerySet[Any, Any]:
    """Customers by what they paid over [start, end], biggest first (names: `customers_named`)."""
    return (
        DailyCustomer.objects.filter(day__gte=start, day__lte=end)
        .values("customer_id")
        .annotate(
            orders=Sum("orders"), revenue=Sum("revenue"), returning=Count("id", filter=Q(returning=True))
        )
        .order_by("-revenue", "-orders", "customer_id")
    )


def customers_named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` of `top_customers` with each customer's record (None once erased or deleted)."""
    found = Customer.objects.in_bulk([row["customer_id"] for row in rows])
    return [{**row, "customer": found.get(row["customer_id"])} for row in rows]


def figures_updated_at() -> datetime | None:
    """When the daily figures were last rebuilt (one query)."""
    return DailyStats.objects.aggregate(latest=Max("aggregated_at"))["latest"]
