"""Reads for the dashboard home: the store and its domains, the period's figures against the
period before, the latest orders, what needs attention and what a new store should do next.

Each part runs a fixed number of queries however many orders, products or deliveries the store
holds (tests pin the page's total at a few and at many orders): the figures come from
`apps.analytics` (daily aggregates plus today's live figures), the alerts are one COUNT each on
an indexed condition, the recent orders one LIMIT query on the order number's index. The face
reads the domain apps' selectors and models; they never import it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from apps.analytics.selectors import PeriodFigures, store_figures
from apps.catalog.models import Product
from apps.core.permissions import Perm
from apps.fraud.models import RiskAssessment
from apps.fraud.selectors import risk_review_queue
from apps.fulfilment.models import DeliveryRisk
from apps.fulfilment.risk import OPEN_STATUSES as DELIVERY_OPEN_STATUSES
from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.inventory.models import StockLevel
from apps.orders.models import Order
from apps.orders.selectors import OrderFilters, order_queryset
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from apps.purchasing.selectors import purchase_order_list
from apps.sourcing.models import Supplier
from apps.tenants.models import Domain, Tenant

RECENT_ORDERS = 10
# Dead webhook deliveries older than this are history, not an alert: the log keeps them.
DEAD_DELIVERY_ALERT_DAYS = 7


# ------------------------------------------------------------------------------
# the store
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreOverview:
    name: str
    status: str
    domains: list[str]
    primary_domain: str


def store_overview(*, tenant: Tenant) -> StoreOverview:
    with schema_context("public"):
        # Only hostnames that answer: a pending or lost custom domain would link to a 404.
        domains = [
            domain
            for domain in Domain.objects.select_related("tenant")
            .filter(tenant_id=tenant.pk)
            .order_by("-is_primary", "domain")
            if domain.routes
        ]
    return StoreOverview(
        name=tenant.name,
        status=tenant.get_status_display(),
        domains=[d.domain for d in domains],
        primary_domain=next((d.domain for d in domains if d.is_primary), ""),
    )


# ------------------------------------------------------------------------------
# the period and its figures
# ------------------------------------------------------------------------------
class PeriodChoice:
    """The periods the home page offers: `?period=today|7|30|90` (days ending today)."""

    TODAY = "today"
    DEFAULT = "30"
    DAYS = {"today": 1, "7": 7, "30": 30, "90": 90}
    LABELS: dict[str, Promise] = {
        "today": _("Today"),
        "7": _("Last 7 days"),
        "30": _("Last 30 days"),
        "90": _("Last 90 days"),
    }


@dataclass(frozen=True)
class HomePeriod:
    key: str  # a PeriodChoice key
    start: date  # inclusive, in the store's time zone
    end: date
    previous_start: date  # the period of equal length just before
    previous_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> Promise:
        return PeriodChoice.LABELS[self.key]


def home_period(*, key: str, today: date) -> HomePeriod:
    """The period `key` names, ending `today`, and the one before it. Raises KeyError for a key
    that is not a PeriodChoice (the view decides what a bad key means)."""
    days = PeriodChoice.DAYS[key]
    start = today - timedelta(days=days - 1)
    previous_end = start - timedelta(days=1)
    return HomePeriod(
        key=key,
        start=start,
        end=today,
        previous_start=previous_end - timedelta(days=days - 1),
        previous_end=previous_end,
    )


class FigureKind:
    MONEY = "money"
    COUNT = "count"
    PERCENT = "percent"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    kind: str  # a FigureKind
    value: Decimal | int | None  # None: nothing to divide by (no orders, no visits)
    previous: Decimal | int | None

    @property
    def change(self) -> Decimal | None:
        """The change against the previous period, to one decimal: in per cent of the previous
        value, or for a rate in percentage points (a conversion rate going from 2 % to 3 % is
        "1 point", not "50 %"). None when there is nothing to compare with (no previous value,
        or a previous value of zero: growth from nothing is not a percentage)."""
        if self.value is None or self.previous is None:
            return None
        value, previous = Decimal(self.value), Decimal(self.previous)
        if self.kind == FigureKind.PERCENT:
            return ((value - previous) * 100).quantize(Decimal("0.1"))
        if previous == 0:
            return None
        return ((value - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))

    @property
    def in_points(self) -> bool:
        return self.kind == FigureKind.PERCENT

    @property
    def value_percent(self) -> Decimal | None:
        """A rate (a fraction) as per cent, for the page."""
        return _percent(self.value)

    @property
    def previous_percent(self) -> Decimal | None:
        return _percent(self.previous)

    @property
    def direction(self) -> str:
        """ "up", "down" or "same" (the page says it in words and with an arrow, never by colour
        alone); "" when there is nothing to compare."""
        if self.value is None or self.previous is None:
            return ""
        if self.value > self.previous:
            return "up"
        if self.value < self.previous:
            return "down"
        return "same"

    @property
    def change_abs(self) -> Decimal | None:
        return abs(self.change) if self.change is not None else None


def _percent(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) * 100).quantize(Decimal("0.01"))


# (attribute of PeriodFigures, label, kind), in the order the page shows them.
FIGURES: tuple[tuple[str, Promise, str], ...] = (
    ("revenue", _("Revenue"), FigureKind.MONEY),
    ("orders", _("Orders"), FigureKind.COUNT),
    ("average_order_value", _("Average order value"), FigureKind.MONEY),
    ("conversion_rate", _("Conversion rate"), FigureKind.PERCENT),
    ("returning_customers", _("Returning customers"), FigureKind.COUNT),
    ("profit", _("Profit"), FigureKind.MONEY),
)


@dataclass(frozen=True)
class HomeFigures:
    period: HomePeriod
    figures: list[Figure]
    current: PeriodFigures
    previous: PeriodFigures


def home_figures(*, period: HomePeriod) -> HomeFigures:
    """The period's figures, each against the period of equal length before it (two reads of
    the aggregates, a fixed number of queries each whatever the period's length)."""
    current = store_figures(start=period.start, end=period.end)
    previous = store_figures(start=period.previous_start, end=period.previous_end)
    figures = [
        Figure(
            key=key,
            label=label,
            kind=kind,
            value=getattr(current, key),
            previous=getattr(previous, key),
        )
        for key, label, kind in FIGURES
    ]
    return HomeFigures(period=period, figures=figures, current=current, previous=previous)


# ------------------------------------------------------------------------------
# the latest orders
# ------------------------------------------------------------------------------
def recent_orders(*, limit: int = RECENT_ORDERS) -> list[Order]:
    """The newest orders with their customers (one query, walking the order number's unique
    index backwards: numbers are given in the order orders are made, so it is the newest first
    without sorting a large table by date)."""
    return list(order_queryset(filters=OrderFilters()).order_by("-number")[:limit])


# ------------------------------------------------------------------------------
# what needs attention
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Alert:
    key: str
    label: Promise  # "%(count)s ..." is not used: the count is shown on its own, then the label
    count: int
    url: str


@dataclass(frozen=True)
class _AlertSource:
    key: str
    label: Promise
    permission: Perm  # the permission of the page the alert links to
    url: Callable[[], str]
    rows: Callable[[], QuerySet[Any]]  # what is counted


def _counts(querysets: dict[str, QuerySet[Any]], *, limit: int | None = None) -> dict[str, int]:
    """How many rows each queryset has, in one statement of scalar subqueries (a round trip per
    count would cost more than the counts themselves); `limit` stops each count early (1: does
    any row exist)."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        rows = queryset.order_by().values("pk")
        if limit is not None:
            rows = rows[:limit]
        sql, query_params = rows.query.sql_with_params()
        # the ORM's own compiled SQL; every value in it is a parameter
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def _low_stock() -> QuerySet[StockLevel]:
    """Stock levels at an active location at or under their low-stock threshold, as
    `apps.inventory.services` judges the crossing into low stock, for products on sale."""
    return StockLevel.objects.filter(
        location__is_active=True,
        variant__product__status=Product.Status.ACTIVE,
        on_hand__lte=F("reserved") + F("low_stock_threshold"),
    )


def _late_deliveries() -> QuerySet[DeliveryRisk]:
    """Open orders the hourly late-shipment job judged at risk (the at-risk page's rows)."""
    return DeliveryRisk.objects.filter(at_risk=True, order__status__in=DELIVERY_OPEN_STATUSES)


def _failed_supplier_orders() -> QuerySet[PurchaseOrder]:
    """Purchase orders the supplier refused or that ran out of attempts."""
    return purchase_order_list(status=PurchaseOrderStatus.NEEDS_ATTENTION)


def _fraud_reviews() -> QuerySet[RiskAssessment]:
    """Orders held or flagged medium/high risk without a decision (the queue's default view)."""
    return risk_review_queue()


def _disabled_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(is_active=False)


def _dead_deliveries() -> QuerySet[WebhookDelivery]:
    since = timezone.now() - timedelta(days=DEAD_DELIVERY_ALERT_DAYS)
    return WebhookDelivery.objects.filter(status=DeliveryStatus.DEAD, dead_at__gte=since)


ALERT_SOURCES: tuple[_AlertSource, ...] = (
    _AlertSource(
        key="low_stock",
        label=_("Stock levels running low"),
        permission=Perm.INVENTORY_VIEW,
        url=lambda: reverse("dashboard:inventory:location_list"),
        rows=_low_stock,
    ),
    _AlertSource(
        key="at_risk",
        label=_("Orders at risk of arriving late"),
        permission=Perm.ORDERS_VIEW,
        url=lambda: reverse("dashboard:fulfilment:at_risk"),
        rows=_late_deliveries,
    ),
    _AlertSource(
        key="supplier_orders",
        label=_("Supplier orders that failed"),
        permission=Perm.ORDERS_VIEW,
        url=lambda: reverse("dashboard:purchasing:attention"),
        rows=_failed_supplier_orders,
    ),
    _AlertSource(
        key="fraud",
        label=_("Orders to review for fraud"),
        permission=Perm.ORDERS_VIEW,
        url=lambda: reverse("dashboard:fraud:queue"),
        rows=_fraud_reviews,
    ),
    _AlertSource(
        key="webhook_endpoints",
        label=_("Webhook endpoints disabled"),
        permission=Perm.WEBHOOKS_VIEW,
        url=lambda: reverse("dashboard:integrations:endpoint_list"),
        rows=_disabled_endpoints,
    ),
    _AlertSource(
        key="webhook_deliveries",
        label=_("Webhook deliveries that gave up this week"),
        permission=Perm.WEBHOOKS_VIEW,
        url=lambda: reverse("dashboard:integrations:delivery_list") + f"?status={DeliveryStatus.DEAD}",
        rows=_dead_deliveries,
    ),
)


def home_alerts(*, permissions: Collection[str]) -> list[Alert]:
    """What needs attention, counted only for the pages the user may open (a count that links
    to a 403 is no help, and it is not counted at all); alerts with nothing to count are left
    out. One query whatever the number of alerts: each count is a subquery on an indexed
    condition."""
    sources = [source for source in ALERT_SOURCES if source.permission in permissions]
    counts = _counts({source.key: source.rows() for source in sources})
    return [
        Alert(key=source.key, label=source.label, count=counts[source.key], url=source.url())
        for source in sources
        if counts[source.key]
    ]


# ------------------------------------------------------------------------------
# a new store's next steps
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class NextSteps:
    add_product: bool  # no product yet
    connect_supplier: bool  # no supplier yet
    share_store: bool  # no order yet

    def __bool__(self) -> bool:
        return self.add_product or self.connect_supplier or self.share_store


def home_next_steps() -> NextSteps:
    """What a store that has just opened should do next (one query: three EXISTS-like counts
    that each stop at the first row)."""
    found = _counts(
        {
            "products": Product.objects.all(),
            "suppliers": Supplier.objects.all(),
            "orders": Order.objects.all(),
        },
        limit=1,
    )
    return NextSteps(
        add_product=not found["products"],
        connect_supplier=not found["suppliers"],
        share_store=not found["orders"],
    )
