"""One store-local day's figures, computed from the raw visits and the orders (no writes).

Shared by the aggregation (`apps.analytics.services.daily_aggregate`, which stores them) and the
dashboard's live figures for today (`apps.analytics.selectors.store_figures`). Every figure is
read in a fixed number of queries, whatever the number of visits or orders:

- visits are sessions (distinct session keys) that viewed a page; the funnel steps count
  sessions too (a shopper reloading a product page is one product view);
- orders, revenue, customers and profit count the orders **paid** that day (`paid_at`), in the
  store's currency (an order in another currency, from before a currency change, is left out
  rather than added to a sum it does not belong to); revenue is what the order charged
  (`Order.total`), profit is `apps.fulfilment.profit` (net of tax, refunds and costs);
- a returning customer is one who had paid for an order before that day;
- refunds are the refunds that succeeded that day.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Q, Sum

from apps.analytics.models import PAGE_KINDS, Visit, VisitKind
from apps.fulfilment.profit import PROFIT_FIELDS, order_profits
from apps.orders.models import Order, OrderLine, Refund
from apps.orders.transitions import PAID_STATUSES
from apps.payments.enums import RefundStatus
from apps.stores.selectors import store_currency_get, store_settings_get

ZERO = Decimal(0)
DIRECT = "direct"


def store_zone() -> zoneinfo.ZoneInfo:
    """The store's time zone: its days are what the figures are counted in."""
    try:
        return zoneinfo.ZoneInfo(store_settings_get().timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def day_window(start: date, end: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the store's zone."""
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


@dataclass(frozen=True)
class VisitFigures:
    visits: int = 0
    page_views: int = 0
    product_views: int = 0
    carts: int = 0
    checkouts: int = 0


@dataclass
class ProductDay:
    product_id: int
    title: str = ""
    views: int = 0
    orders: int = 0
    quantity: int = 0
    revenue: Decimal = ZERO


@dataclass
class SourceDay:
    source: str
    visits: int = 0
    product_views: int = 0
    carts: int = 0
    checkouts: int = 0
    orders: int = 0
    revenue: Decimal = ZERO


@dataclass
class CustomerDay:
    customer_id: int
    orders: int = 0
    revenue: Decimal = ZERO
    returning: bool = False


@dataclass
class OrderFigures:
    currency: str
    orders: int = 0
    revenue: Decimal = ZERO
    profit: Decimal = ZERO
    refunds: Decimal = ZERO
    channels: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    customers: dict[int, CustomerDay] = field(default_factory=dict)

    @property
    def returning_customers(self) -> int:
        return sum(1 for customer in self.customers.values() if customer.returning)


def visit_figures(since: datetime, until: datetime) -> VisitFigures:
    """Sessions, page views and funnel sessions recorded in [since, until) (one query)."""
    row = Visit.objects.filter(at__gte=since, at__lt=until).aggregate(
        visits=Count("session", distinct=True, filter=Q(kind__in=PAGE_KINDS)),
        page_views=Count("id", filter=Q(kind__in=PAGE_KINDS)),
        product_views=Count("session", distinct=True, filter=Q(kind=VisitKind.PRODUCT)),
        carts=Count("session", distinct=True, filter=Q(kind=VisitKind.CART_ADD)),
        checkouts=Count("session", distinct=True, filter=Q(kind=VisitKind.CHECKOUT)),
    )
    return VisitFigures(**{name: row[name] or 0 for name in row})


def source_figures(since: datetime, until: datetime, *, currency: str) -> list[SourceDay]:
    """Sessions per traffic source (the source of the session's landing page; "direct" when
    it landed before `since`), how far they went, and the orders whose confirmation they saw
    with what those orders charged in `currency` (two queries: one row per session, then the
    orders' totals)."""
    sessions = (
        Visit.objects.filter(at__gte=since, at__lt=until)
        .values("session")
        .annotate(
            landed_from=Max("source", filter=Q(landing=True)),
            pages=Count("id", filter=Q(kind__in=PAGE_KINDS)),
            products=Count("id", filter=Q(kind=VisitKind.PRODUCT)),
            carts=Count("id", filter=Q(kind=VisitKind.CART_ADD)),
            checkouts=Count("id", filter=Q(kind=VisitKind.CHECKOUT)),
            orders=ArrayAgg(
                "order_id", filter=Q(kind=VisitKind.ORDER, order_id__isnull=False), distinct=True
            ),
        )
    )
    found: dict[str, SourceDay] = {}
    ordered: dict[int, SourceDay] = {}  # each order counts once, for the first session seen with it
    for row in sessions.iterator(chunk_size=5000):
        source = row["landed_from"] or DIRECT
        entry = found.setdefault(source, SourceDay(source=source))
        entry.visits += int(row["pages"] > 0)
        entry.product_views += int(row["products"] > 0)
        entry.carts += int(row["carts"] > 0)
        entry.checkouts += int(row["checkouts"] > 0)
        for order_id in row["orders"] or ():
            ordered.setdefault(order_id, entry)
    if ordered:
        # Placed orders only (not cancelled before payment), in the store's currency.
        totals = Order.objects.filter(
            pk__in=list(ordered), status__in=PAID_STATUSES, currency=currency
        ).values_list("pk", "total")
        for order_id, total in totals:
            ordered[order_id].orders += 1
            ordered[order_id].revenue += total
    return sorted(found.values(), key=lambda entry: (-entry.visits, entry.source))


def product_view_figures(since: datetime, until: datetime) -> dict[int, int]:
    """Sessions that viewed each product in [since, until) (one query)."""
    rows = (
        Visit.objects.filter(at__gte=since, at__lt=until, kind=VisitKind.PRODUCT, product_id__isnull=False)
        .values("product_id")
        .annotate(views=Count("session", distinct=True))
    )
    return {row["product_id"]: row["views"] for row in rows if row["product_id"] is not None}


def paid_orders(since: datetime, until: datetime, *, currency: str) -> list[Order]:
    fields = (*PROFIT_FIELDS, "customer_id", "origin")
    return list(
        Order.objects.filter(
            status__in=PAID_STATUSES, paid_at__gte=since, paid_at__lt=until, currency=currency
        ).only(*fields)
    )


def order_figures(since: datetime, until: datetime, *, with_refunds: bool = True) -> OrderFigures:
    """Orders paid in [since, until): count, revenue, profit, channels and customers (with
    whether they had paid before `since`), and the refunds that succeeded then; six queries
    plus the supplier orders' costs, whatever the number of orders."""
    currency = store_currency_get()
    figures = OrderFigures(currency=currency)
    orders = paid_orders(since, until, currency=currency)
    channel_orders: dict[str, int] = defaultdict(int)
    channel_revenue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for order in orders:
        figures.orders += 1
        figures.revenue += order.total
        channel_orders[order.origin] += 1
        channel_revenue[order.origin] += order.total
        if order.customer_id is not None:
            customer = figures.customers.setdefault(order.customer_id, CustomerDay(order.customer_id))
            customer.orders += 1
            customer.revenue += order.total
    figures.channels = {name: (count, channel_revenue[name]) for name, count in channel_orders.items()}
    figures.profit = sum((row.profit for row in order_profits(orders)), ZERO)
    if figures.customers:
        earlier = set(
            Order.objects.filter(
                status__in=PAID_STATUSES, paid_at__lt=since, customer_id__in=list(figures.customers)
            )
            .values_list("customer_id", flat=True)
            .distinct()
        )
        for customer_id in earlier:
            figures.customers[customer_id].returning = True
    if with_refunds:
        refunded = Refund.objects.filter(
            status=RefundStatus.SUCCEEDED, updated_at__gte=since, updated_at__lt=until, currency=currency
        ).aggregate(total=Sum("amount"))["total"]
        figures.refunds = refunded or ZERO
    return figures


def product_sales(since: datetime, until: datetime, *, currency: str) -> dict[int, ProductDay]:
    """Units and revenue per product of the order lines of orders paid in [since, until)."""
    rows = (
        OrderLine.objects.filter(
            order__status__in=PAID_STATUSES,
            order__paid_at__gte=since,
            order__paid_at__lt=until,
            order__currency=currency,
            product_id_snapshot__isnull=False,
        )
        .values("product_id_snapshot")
        .annotate(
            title=Max("product_title"),
            orders=Count("order_id", distinct=True),
            quantity=Sum("quantity"),
            revenue=Sum("total"),
        )
    )
    return {
        int(row["product_id_snapshot"] or 0): ProductDay(
            product_id=int(row["product_id_snapshot"] or 0),
            title=row["title"] or "",
            orders=row["orders"],
            quantity=row["quantity"] or 0,
            revenue=row["revenue"] or ZERO,
        )
        for row in rows
    }
