"""The dashboard's figures (`store_figures`): stored days plus today live, zero-filled days,
average order value, conversion, distinct and returning customers, the previous period, and a
query count that does not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analytics.selectors import (
    funnel_figures,
    percent_change,
    previous_period,
    store_figures,
    store_today,
)
from apps.analytics.services import daily_aggregate
from apps.analytics.tests.factories import customer_make, paid_row, visit

pytestmark = pytest.mark.usefixtures("in_alpha")
D = Decimal


def test_stored_days_and_today_live_add_up():
    today = store_today()
    earlier = today - timedelta(days=2)
    ann = customer_make()
    paid_row(earlier, "30.00", customer=ann)
    visit(earlier, "a")
    visit(earlier, "b")
    daily_aggregate(day=earlier)
    # today: not aggregated, counted live
    paid_row(today, "10.00", customer=ann, hour=0)
    for session in ("c", "d", "e"):
        visit(today, session, hour=0)

    figures = store_figures(start=today - timedelta(days=6), end=today)

    assert (figures.start, figures.end) == (today - timedelta(days=6), today)
    assert [day.day for day in figures.days] == [today - timedelta(days=n) for n in range(6, -1, -1)]
    assert (figures.revenue, figures.orders, figures.visits) == (D("40.00"), 2, 5)
    assert figures.average_order_value == D("20.00")
    assert figures.conversion_rate == D("0.4000")
    # Ann bought on two days: one customer, returning (she had paid before today)
    assert (figures.customers, figures.returning_customers) == (1, 1)
    assert figures.days[-1].revenue == D("10.00") and figures.days[-1].returning_customers == 1
    assert figures.days[4].revenue == D("30.00")
    assert figures.days[0].revenue == D("0") and figures.days[0].orders == 0


def test_no_orders_and_no_visits_give_none_ratios():
    today = store_today()
    figures = store_figures(start=today - timedelta(days=29), end=today)
    assert len(figures.days) == 30
    assert figures.average_order_value is None and figures.conversion_rate is None
    assert (figures.revenue, figures.profit, figures.customers) == (D("0"), D("0"), 0)


def test_a_stored_days_customer_counted_once_when_today_makes_them_returning():
    today = store_today()
    bob = customer_make()
    paid_row(today - timedelta(days=1), "8.00", customer=bob)
    daily_aggregate(day=today - timedelta(days=1))
    paid_row(today, "8.00", customer=bob)
    figures = store_figures(start=today - timedelta(days=1), end=today)
    assert (figures.customers, figures.returning_customers) == (1, 1)


def test_previous_period_and_percent_change():
    today = store_today()
    assert previous_period(today - timedelta(days=6), today) == (
        today - timedelta(days=13),
        today - timedelta(days=7),
    )
    assert percent_change(D("150"), D("100")) == D("50.0")
    assert percent_change(50, 100) == D("-50.0")
    assert percent_change(10, 0) is None
    assert percent_change(None, 10) is None


def test_previous_period_figures_come_from_the_daily_table():
    today = store_today()
    before = today - timedelta(days=10)
    paid_row(before, "20.00")
    paid_row(before, "40.00")
    daily_aggregate(day=before)
    start, end = previous_period(today - timedelta(days=6), today)
    figures = store_figures(start=start, end=end)
    assert (figures.orders, figures.revenue, figures.average_order_value) == (2, D("60.00"), D("30.00"))


def test_funnel_sums_the_days():
    day = store_today() - timedelta(days=2)
    visit(day, "s1", "home")
    visit(day, "s1", "product", product_id=1)
    visit(day, "s1", "cart_add")
    visit(day, "s2", "home")
    paid_row(day, "9.00")
    daily_aggregate(day=day)
    funnel = funnel_figures(start=day, end=day)
    assert [(name, value) for name, value, _share in funnel.steps()] == [
        ("visits", 2),
        ("product_views", 1),
        ("carts", 1),
        ("checkouts", 0),
        ("orders", 1),
    ]
    assert funnel.steps()[-1][2] == D("0.5000")


def _count_queries(start, end) -> int:
    with CaptureQueriesContext(connection) as queries:
        store_figures(start=start, end=end)
    return len(queries)


def test_the_query_count_does_not_grow_with_the_data():
    today = store_today()
    start = today - timedelta(days=29)
    customer = customer_make()
    paid_row(today - timedelta(days=3), "5.00", customer=customer)
    paid_row(today, "5.00", customer=customer)
    visit(today, "one")
    daily_aggregate(day=today - timedelta(days=3))
    small = _count_queries(start, today)

    for offset in range(1, 20):
        day = today - timedelta(days=offset)
        for n in range(3):
            paid_row(day, "12.00", customer=customer_make())
            visit(day, f"v{offset}-{n}")
        daily_aggregate(day=day)
    for n in range(10):
        paid_row(today, "3.00", customer=customer_make())
        visit(today, f"t{n}")

    assert _count_queries(start, today) == small
    assert small <= 12


def test_todays_order_figures_are_reused_until_an_order_paid_today_changes(settings):
    # given the reuse turned on (production's default) and an order paid today
    settings.ANALYTICS_TODAY_CACHE_SECONDS = 60
    today = store_today()
    first = paid_row(today, "10.00")
    computed = _count_queries(today, today)  # the first time: computed from the orders

    # then asking again reads the orders, their lines and costs no more: same figures, fewer queries
    with CaptureQueriesContext(connection) as reused:
        again = store_figures(start=today, end=today)
    assert again.revenue == D("10.00")
    assert len(reused) < computed, (len(reused), computed)

    # when another order is paid, or a paid one changes, the next figures show it
    paid_row(today, "5.00")
    assert store_figures(start=today, end=today).revenue == D("15.00")
    first.total = D("12.00")
    first.save()
    assert store_figures(start=today, end=today).revenue == D("17.00")
