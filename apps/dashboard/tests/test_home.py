"""The dashboard home: the period's figures against the period before (from the analytics
aggregates), charts, recent orders, alerts per role, a new store's next steps, and its query
count, pinned and the same at a few and at many orders."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.analytics.daily import store_zone
from apps.analytics.selectors import store_today
from apps.analytics.services import daily_aggregate_range
from apps.core.money import money_format
from apps.dashboard.selectors import Figure, FigureKind, home_figures, home_period
from apps.fraud.models import RiskAssessment
from apps.fulfilment.models import DeliveryRisk
from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.orders.models import Order
from apps.orders.tests.factories import order_row, variant_make
from apps.purchasing.tests.factories import po_row
from apps.stores.selectors import store_currency_get
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

HOME = "/dashboard/"
DASHBOARD_TARGET = 25


# ------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------
@contextmanager
def in_store(world: StoreWorld) -> Iterator[None]:
    with schema_context(world.tenant.schema_name):
        yield


def role_client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    client = store_client(world)
    with in_store(world):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def paid_on(day: date, total: str) -> Order:
    """A bare paid order in the store's currency, paid at noon of `day` in the store's zone."""
    moment = datetime.combine(day, time(12), tzinfo=store_zone())
    amount = Decimal(total)
    return order_row(status="paid", paid_at=moment, total=amount, subtotal=amount, amount_paid=amount)


def money(amount: str) -> str:
    return money_format(Decimal(amount), store_currency_get(), "en")


def section(html: str, element_id: str) -> str:
    """The HTML of the element with `element_id` up to its closing tag (li/section)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}".*?</\1>', html, re.S)
    assert match is not None, element_id
    return match.group(0)


def known_week(world: StoreWorld) -> date:
    """Three orders in the last 7 days (one today, live) and one in the 7 before, aggregated."""
    with in_store(world):
        today = store_today()
        paid_on(today - timedelta(days=1), "30.00")
        paid_on(today - timedelta(days=3), "20.00")
        paid_on(today - timedelta(days=8), "40.00")
        paid_on(today - timedelta(days=20), "99.00")  # outside both periods
        daily_aggregate_range(start=today - timedelta(days=21), end=today - timedelta(days=1))
        paid_on(today, "10.00")  # after the aggregation: today's figures are live
    return today


def alerts_everywhere(world: StoreWorld) -> None:
    """One of each thing the home page alerts about."""
    with in_store(world):
        variant_make(stock=2)  # under the default low-stock threshold of 5
        DeliveryRisk.objects.create(
            order=order_row(status="paid"), at_risk=True, reason="late_supplier", evaluated_at=timezone.now()
        )
        po_row(status="needs_attention")
        RiskAssessment.objects.create(order=order_row(status="paid"), score=90, level="high", held=True)
        WebhookEndpoint.objects.create(
            url="https://off.example.com/hook",
            is_active=False,
            disabled_reason="gone",
            disabled_at=timezone.now(),
        )
        endpoint = WebhookEndpoint.objects.create(url="https://on.example.com/hook")
        event_id = uuid.uuid4()
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            message_id=f"msg_{event_id.hex}",
            event_type="order.paid",
            body="{}",
            status=DeliveryStatus.DEAD,
            dead_at=timezone.now(),
        )


# ------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------
def test_figures_of_known_orders_against_the_week_before(alpha):
    today = known_week(alpha)
    with in_store(alpha):
        result = home_figures(period=home_period(key="7", today=today))
    by_key = {figure.key: figure for figure in result.figures}
    assert (result.period.start, result.period.end) == (today - timedelta(days=6), today)
    assert (result.period.previous_start, result.period.previous_end) == (
        today - timedelta(days=13),
        today - timedelta(days=7),
    )
    assert (by_key["revenue"].value, by_key["revenue"].previous) == (Decimal("60.00"), Decimal("40.00"))
    assert by_key["revenue"].change == Decimal("50.0") and by_key["revenue"].direction == "up"
    assert (by_key["orders"].value, by_key["orders"].previous, by_key["orders"].change) == (
        3,
        1,
        Decimal("200.0"),
    )
    assert by_key["average_order_value"].value == Decimal("20.00")
    assert by_key["average_order_value"].change == Decimal("-50.0")
    assert by_key["average_order_value"].direction == "down"
    assert by_key["conversion_rate"].value is None  # no visits recorded: nothing to divide by
    assert [day.revenue for day in result.current.days] == [
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal("20.00"),
        Decimal(0),
        Decimal("30.00"),
        Decimal("10.00"),
    ]


def test_the_page_says_each_change_in_words_not_only_colour(alpha):
    known_week(alpha)
    html = role_client(alpha, "owner").get(HOME, {"period": "7"}).text
    revenue = section(html, "figure-revenue")
    assert money("60.00") in revenue and money("40.00") in revenue
    assert "Up 50.0 % on" in revenue and 'aria-hidden="true">▲' in revenue
    aov = section(html, "figure-average_order_value")
    assert "Down 50.0 % on" in aov
    assert 'aria-current="true">Last 7 days' in html


def test_figure_changes():
    def figure(value, previous, kind=FigureKind.COUNT):  # type: ignore[no-untyped-def]
        return Figure(key="x", label="x", kind=kind, value=value, previous=previous)  # type: ignore[arg-type]

    assert (figure(15, 10).change, figure(15, 10).direction) == (Decimal("50.0"), "up")
    assert (figure(5, 10).change, figure(5, 10).direction) == (Decimal("-50.0"), "down")
    assert (figure(10, 10).change, figure(10, 10).direction) == (Decimal("0.0"), "same")
    assert (figure(3, 0).change, figure(3, 0).direction) == (None, "up")  # growth from nothing
    assert (figure(None, 10).change, figure(None, 10).direction) == (None, "")
    rate = figure(Decimal("0.03"), Decimal("0.02"), FigureKind.PERCENT)
    assert (rate.change, rate.in_points, rate.value_percent) == (Decimal("1.0"), True, Decimal("3.00"))


@pytest.mark.parametrize(("key", "days"), [("today", 1), ("7", 7), ("30", 30), ("90", 90)])
def test_each_period_ends_today_and_is_compared_with_as_many_days_before(key, days):
    today = date(2026, 3, 1)
    period = home_period(key=key, today=today)
    assert period.end == today and period.days == days
    assert period.previous_end == period.start - timedelta(days=1)
    assert (period.previous_end - period.previous_start).days + 1 == days


def test_the_default_period_is_30_days_and_charts_one_bar_per_day(alpha):
    response = role_client(alpha, "owner").get(HOME)
    assert response.status_code == 200 and response.context["period_key"] == "30"
    html = response.text
    chart = section(html, "chart-revenue")
    assert chart.count('class="chart-bar"') == 30
    assert 'role="img"' in chart and 'aria-labelledby="chart-revenue-title chart-revenue-desc"' in chart
    assert '<table class="visually-hidden"' in chart and chart.count('<th scope="row">') == 30
    assert 'id="chart-orders"' in html


def test_today_has_no_chart_of_one_bar(alpha):
    html = role_client(alpha, "owner").get(HOME, {"period": "today"}).text
    assert 'id="figure-revenue"' in html and 'id="chart-revenue"' not in html


@pytest.mark.parametrize("bad", ["365", "yesterday", "", "7;DROP"])
def test_a_period_not_offered_falls_back_to_30_days_and_says_so(alpha, bad):
    response = role_client(alpha, "owner").get(HOME, {"period": bad})
    assert response.status_code == 200
    assert response.context["period_key"] == "30"
    assert 'id="period-error"' in response.text and "Last 30 days" in section(response.text, "period-error")


# ------------------------------------------------------------------------------
# who sees what
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "figures", "orders"),
    [("owner", True, True), ("admin", True, True), ("finance", True, True), ("staff", False, True)],
)
def test_figures_only_for_who_may_read_analytics(alpha, role, figures, orders):
    with in_store(alpha):
        paid_on(store_today(), "12.00")
    html = role_client(alpha, role).get(HOME).text
    assert ('id="figures"' in html) is figures
    assert ('id="figure-profit"' in html) is figures
    assert ('id="chart-revenue"' in html) is figures
    assert ('id="recent-orders"' in html) is orders
    assert 'id="alerts"' in html


def test_recent_orders_are_the_ten_newest_linked_with_status_and_total(alpha):
    with in_store(alpha):
        orders = [paid_on(store_today(), f"{10 + n}.00") for n in range(12)]
    html = section(role_client(alpha, "staff").get(HOME).text, "recent-orders")
    newest = orders[-10:]
    for order in newest:
        assert f'href="/dashboard/orders/{order.number}/"' in html
        assert money(f"{order.total}") in html
    for order in orders[:2]:
        assert f'href="/dashboard/orders/{order.number}/"' not in html
    assert html.count("Paid") >= 10


ALERT_URLS = {
    "low_stock": "/dashboard/inventory/",
    "at_risk": "/dashboard/fulfilment/at-risk/",
    "supplier_orders": "/dashboard/purchase-orders/attention/",
    "fraud": "/dashboard/fraud/",
    "webhook_endpoints": "/dashboard/webhooks/",
    "webhook_deliveries": "/dashboard/webhooks/deliveries/?status=dead",
}
EVERY_ALERT = set(ALERT_URLS)
ORDER_ALERTS = {"low_stock", "at_risk", "supplier_orders", "fraud"}


@pytest.mark.parametrize(
    ("role", "shown"),
    [("owner", EVERY_ALERT), ("admin", EVERY_ALERT), ("finance", EVERY_ALERT), ("staff", ORDER_ALERTS)],
)
def test_alerts_count_and_link_only_what_the_role_may_open(alpha, role, shown):
    alerts_everywhere(alpha)
    client = role_client(alpha, role)
    html = client.get(HOME).text
    for key, url in ALERT_URLS.items():
        if key in shown:
            alert = section(html, f"alert-{key}")
            assert f'href="{url}"' in alert and '<strong class="alert-count">1</strong>' in alert, key
            assert client.get(url).status_code == 200, key  # the link opens for this role
        else:
            assert f'id="alert-{key}"' not in html, key


def test_no_alerts_says_so(alpha):
    html = role_client(alpha, "owner").get(HOME).text
    assert 'id="alerts-none"' in html and "alert-count" not in html


# ------------------------------------------------------------------------------
# a new store
# ------------------------------------------------------------------------------
def test_a_new_store_is_told_what_to_do_next(alpha):
    html = section(role_client(alpha, "owner").get(HOME).text, "next-steps")
    assert 'href="/dashboard/catalog/products/new/"' in html
    assert 'href="/dashboard/sourcing/suppliers/new/"' in html
    assert "Share your store" in html and f"//{alpha.host.split(':')[0]}" in html


def test_next_steps_link_only_what_the_role_may_do(alpha):
    html = section(role_client(alpha, "finance").get(HOME).text, "next-steps")
    assert "Add your first product" in html and "/dashboard/catalog/products/new/" not in html
    assert "/dashboard/sourcing/suppliers/new/" not in html


def test_next_steps_disappear_once_done(alpha):
    with in_store(alpha):
        variant_make(stock=0)
        paid_on(store_today(), "10.00")
    html = role_client(alpha, "owner").get(HOME).text
    assert 'id="step-product"' not in html and 'id="step-share"' not in html
    assert 'id="step-supplier"' in html


# ------------------------------------------------------------------------------
# tenant isolation
# ------------------------------------------------------------------------------
def test_betas_home_never_counts_alphas_orders_or_alerts(alpha, beta):
    known_week(alpha)
    alerts_everywhere(alpha)
    with in_store(alpha):
        alpha_numbers = list(Order.objects.values_list("number", flat=True))
    response = role_client(beta, "owner").get(HOME, {"period": "7"})
    figures = {figure.key: figure for figure in response.context["figures"].figures}
    assert figures["revenue"].value == Decimal(0) and figures["revenue"].previous == Decimal(0)
    assert figures["orders"].value == 0 and figures["orders"].previous == 0
    assert response.context["alerts"] == []
    html = response.text
    assert "alert-count" not in html
    recent = section(html, "recent-orders")
    assert "No orders yet" in recent
    # order numbers are per store, so beta's own orders could share them; beta has none here
    assert not any(f"#{number}<" in recent for number in alpha_numbers)


# ------------------------------------------------------------------------------
# query count
# ------------------------------------------------------------------------------
def _many_orders(world: StoreWorld, count: int) -> None:
    with in_store(world):
        today = store_today()
        for n in range(count):
            paid_on(today - timedelta(days=n % 60), f"{5 + n % 7}.00")
        daily_aggregate_range(start=today - timedelta(days=60), end=today - timedelta(days=1))


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_the_query_count_is_pinned_and_does_not_grow_with_the_orders(
    alpha, role, django_assert_max_num_queries
):
    client = role_client(alpha, role)
    _many_orders(alpha, 2)
    client.get(HOME)  # warm the per-process caches (store settings, URL resolvers)
    with django_assert_max_num_queries(DASHBOARD_TARGET) as captured:
        assert client.get(HOME).status_code == 200
    few = len(captured)  # read now: the next request resets the connection's query log
    _many_orders(alpha, 60)
    alerts_everywhere(alpha)
    client.get(HOME)  # the store's routing cache is forgotten when its rows change: warm it again
    with django_assert_max_num_queries(few) as captured:
        html = client.get(HOME, {"period": "90"}).text
    many = len(captured)
    assert html.count('class="chart-bar"') == (180 if role == "owner" else 0)
    assert many == few, (few, many)
