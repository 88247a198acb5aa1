"""The analytics pages of the dashboard, mounted at /dashboard/analytics/: an overview of the
period against the one before it, sales by day, by product, by channel and traffic source, the
top customers and the conversion funnel, each over a date range and each as CSV.

Reading needs `analytics.view` (owners, admins, finance); a CSV needs `exports.download` as
well. A malformed range (a date that does not parse, from after to, more than 366 days) shows
the form with its error and answers 400. Every page runs a fixed number of queries whatever the
number of days, visits or orders (the reports read the daily tables; see
`apps.analytics.selectors`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.analytics import selectors
from apps.analytics.dashboard.forms import PRESETS, ReportRangeForm
from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm, permission_required, user_has_permission
from apps.stores.selectors import store_currency_get

PER_PAGE = 50
CSV_FORMAT = "csv"

REPORTS = (
    ("overview", gettext_lazy("Overview")),
    ("sales", gettext_lazy("Sales by day")),
    ("products", gettext_lazy("Products")),
    ("sources", gettext_lazy("Channels and sources")),
    ("customers", gettext_lazy("Top customers")),
    ("funnel", gettext_lazy("Conversion funnel")),
)
FUNNEL_LABELS = {
    "visits": gettext_lazy("Visits"),
    "product_views": gettext_lazy("Viewed a product"),
    "carts": gettext_lazy("Added to cart"),
    "checkouts": gettext_lazy("Started checkout"),
    "orders": gettext_lazy("Ordered"),
}


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is kept as text (a leading apostrophe)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _csv(rows: Iterable[Iterable[Any]], *, name: str, start: date, end: date) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_cell(value) for value in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


Build = Callable[[HttpRequest, date, date], dict[str, Any]]
Export = Callable[[date, date], Iterator[list[Any]]]


def _report(
    request: HttpRequest, *, name: str, build: Build, export: Export | None = None
) -> HttpResponse | StreamingHttpResponse:
    """The page (or CSV) of report `name` over the request's date range."""
    today = selectors.store_today()
    form = ReportRangeForm(request.GET or None, today=today)
    invalid = form.is_bound and not form.is_valid()
    start, end = form.range()
    wants_csv = request.GET.get("format") == CSV_FORMAT
    can_export = user_has_permission(request.user, Perm.EXPORTS_DOWNLOAD)
    if wants_csv and not invalid and export is not None:
        if not can_export:
            return render(request, FORBIDDEN_TEMPLATE, {"permission": Perm.EXPORTS_DOWNLOAD}, status=403)
        return _csv(export(start, end), name=name, start=start, end=end)
    context: dict[str, Any] = {
        "form": form,
        "invalid": invalid,
        "start": start,
        "end": end,
        "today": today,
        "report": name,
        "reports": REPORTS,
        "presets": PRESETS,
        "currency": store_currency_get(),
        "can_export": can_export and export is not None,
    }
    if not invalid:
        context.update(build(request, start, end))
    return render(request, f"analytics/dashboard/{name}.html", context, status=400 if invalid else 200)


def _paged(request: HttpRequest, rows: Any) -> tuple[Any, list[Any]]:
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return page, list(page.object_list)


# ------------------------------------------------------------------------------
# overview
# ------------------------------------------------------------------------------
def _percent(fraction: Decimal | None) -> Decimal | None:
    return None if fraction is None else (fraction * 100).quantize(Decimal("0.1"))


def _delta(current: Decimal | int | None, previous: Decimal | int | None) -> dict[str, Any]:
    change = selectors.percent_change(current, previous)
    direction = "none" if change is None else "up" if change > 0 else "down" if change < 0 else "same"
    return {"change": change, "direction": direction, "previous": previous}


def _chart(days: list[selectors.DayFigures]) -> dict[str, Any]:
    """Bars of revenue per day as SVG coordinates (a 100-unit-high plot, one unit per bar)."""
    top = max((day.revenue for day in days), default=Decimal(0))
    bars = []
    for index, day in enumerate(days):
        height = float(day.revenue / top * 100) if top > 0 else 0.0
        bars.append({"x": index, "height": round(height, 2), "y": round(100 - height, 2), "day": day})
    return {"bars": bars, "width": len(days), "top": top}


def _overview(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    current = selectors.store_figures(start=start, end=end)
    before_start, before_end = selectors.previous_period(start, end)
    previous = selectors.store_figures(start=before_start, end=before_end)
    figures: list[tuple[str, str, Any, Any, bool]] = [
        ("revenue", _("Revenue"), current.revenue, previous.revenue, True),
        ("orders", _("Orders"), current.orders, previous.orders, False),
        ("aov", _("Average order value"), current.average_order_value, previous.average_order_value, True),
        ("visits", _("Visits"), current.visits, previous.visits, False),
        ("conversion", _("Conversion rate"), current.conversion_rate, previous.conversion_rate, False),
        ("customers", _("Customers"), current.customers, previous.customers, False),
        (
            "returning",
            _("Returning customers"),
            current.returning_customers,
            previous.returning_customers,
            False,
        ),
        ("profit", _("Profit"), current.profit, previous.profit, True),
    ]
    return {
        "current": current,
        "previous": previous,
        "previous_start": before_start,
        "previous_end": before_end,
        "figures": [
            {
                "key": key,
                "label": label,
                "value": value,
                "money": money,
                "percent": _percent(value) if key == "conversion" else None,  # type: ignore[arg-type]
                **_delta(value, before),
            }
            for key, label, value, before, money in figures
        ],
        "chart": _chart(current.days),
        "has_data": bool(current.orders or current.visits or previous.orders or previous.visits),
    }


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def overview(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="overview", build=_overview)


# ------------------------------------------------------------------------------
# sales by day
# ------------------------------------------------------------------------------
def _sales(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    days = selectors.sales_by_day(start=start, end=end)
    page, rows = _paged(request, days)
    return {
        "page": page,
        "rows": rows,
        "has_data": any(day.orders or day.visits for day in days),
        "updated_at": selectors.figures_updated_at(),
    }


def _sales_csv(start: date, end: date) -> Iterator[list[Any]]:
    yield [
        "day",
        "visits",
        "page_views",
        "orders",
        "revenue",
        "refunds",
        "customers",
        "returning_customers",
        "profit",
    ]
    for day in selectors.sales_by_day(start=start, end=end):
        yield [
            day.day.isoformat(),
            day.visits,
            day.page_views,
            day.orders,
            day.revenue,
            day.refunds,
            day.customers,
            day.returning_customers,
            day.profit,
        ]


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def sales(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="sales", build=_sales, export=_sales_csv)


# ------------------------------------------------------------------------------
# by product
# ------------------------------------------------------------------------------
def _products(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    page, rows = _paged(request, selectors.sales_by_product(start=start, end=end))
    return {"page": page, "rows": rows, "has_data": bool(rows), "updated_at": selectors.figures_updated_at()}


def _products_csv(start: date, end: date) -> Iterator[list[Any]]:
    yield ["product_id", "product", "views", "orders", "units", "revenue"]
    for row in selectors.sales_by_product(start=start, end=end).iterator(chunk_size=2000):
        yield [row["product_id"], row["title"], row["views"], row["orders"], row["quantity"], row["revenue"]]


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def products(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="products", build=_products, export=_products_csv)


# ------------------------------------------------------------------------------
# by channel and traffic source
# ------------------------------------------------------------------------------
def _sources(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    channels = selectors.sales_by_channel(start=start, end=end)
    page, rows = _paged(request, selectors.traffic_sources(start=start, end=end))
    return {
        "channels": channels,
        "page": page,
        "rows": rows,
        "has_data": bool(channels or rows),
        "updated_at": selectors.figures_updated_at(),
    }


def _sources_csv(start: date, end: date) -> Iterator[list[Any]]:
    yield ["kind", "name", "visits", "product_views", "carts", "checkouts", "orders", "revenue"]
    for channel in selectors.sales_by_channel(start=start, end=end):
        yield ["channel", channel["channel"], "", "", "", "", channel["orders"], channel["revenue"]]
    for row in selectors.traffic_sources(start=start, end=end).iterator(chunk_size=2000):
        yield [
            "source",
            row["source"],
            row["visits"],
            row["product_views"],
            row["carts"],
            row["checkouts"],
            row["orders"],
            row["revenue"],
        ]


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def sources(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="sources", build=_sources, export=_sources_csv)


# ------------------------------------------------------------------------------
# top customers
# ------------------------------------------------------------------------------
def _customers(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    page, rows = _paged(request, selectors.top_customers(start=start, end=end))
    rows = selectors.customers_named(rows)
    return {"page": page, "rows": rows, "has_data": bool(rows), "updated_at": selectors.figures_updated_at()}


def _customers_csv(start: date, end: date) -> Iterator[list[Any]]:
    yield ["customer", "email", "name", "orders", "revenue", "returning"]
    query = selectors.top_customers(start=start, end=end)
    chunk: list[dict[str, Any]] = []
    for row in query.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == 2000:
            yield from _customer_lines(chunk)
            chunk = []
    yield from _customer_lines(chunk)


def _customer_lines(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    for row in selectors.customers_named(rows) if rows else []:
        customer = row["customer"]
        yield [
            customer.uuid if customer else "",
            customer.email if customer else "",
            customer.full_name if customer else "",
            row["orders"],
            row["revenue"],
            "yes" if row["returning"] else "no",
        ]


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def customers(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="customers", build=_customers, export=_customers_csv)


# ------------------------------------------------------------------------------
# conversion funnel
# ------------------------------------------------------------------------------
def _funnel_steps(funnel: selectors.Funnel, previous: selectors.Funnel) -> list[dict[str, Any]]:
    before = {name: value for name, value, _share in previous.steps()}
    steps = []
    for name, value, share in funnel.steps():
        steps.append(
            {
                "name": name,
                "label": FUNNEL_LABELS[name],
                "value": value,
                "share": share,
                "share_percent": _percent(share),
                # the bar's width in CSS: a plain number whatever the language's decimal mark
                "bar": f"{float(share * 100):.1f}" if share is not None else "0",
                **_delta(value, before[name]),
            }
        )
    return steps


def _funnel(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    before_start, before_end = selectors.previous_period(start, end)
    funnel = selectors.funnel_figures(start=start, end=end)
    previous = selectors.funnel_figures(start=before_start, end=before_end)
    return {
        "steps": _funnel_steps(funnel, previous),
        "previous_start": before_start,
        "previous_end": before_end,
        "has_data": bool(funnel.visits or funnel.orders),
        "updated_at": selectors.figures_updated_at(),
    }


def _funnel_csv(start: date, end: date) -> Iterator[list[Any]]:
    yield ["step", "sessions", "share_of_visits"]
    for name, value, share in selectors.funnel_figures(start=start, end=end).steps():
        yield [name, value, "" if share is None else share]


@never_cache
@permission_required(Perm.ANALYTICS_VIEW)
@require_GET
def funnel(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _report(request, name="funnel", build=_funnel, export=_funnel_csv)
