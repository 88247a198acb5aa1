"""The daily aggregation (figures of a day from raw visits and paid orders, idempotent), the
retention purge of raw visits and the jobs the app registers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.analytics.jobs import AGGREGATE_JOB, FLUSH_JOB
from apps.analytics.models import DailyChannel, DailyCustomer, DailyProduct, DailySource, DailyStats, Visit
from apps.analytics.models import VisitKind as K
from apps.analytics.selectors import store_today
from apps.analytics.services import daily_aggregate, daily_aggregate_recent, visits_purge
from apps.analytics.tests.factories import customer_make, paid_row, visit
from apps.core.jobs import store_job_get
from apps.core.retention import retention_kind_get

pytestmark = pytest.mark.usefixtures("in_alpha")
D = Decimal


def _day():
    return store_today() - timedelta(days=3)


def _seed(day):
    # three sessions: s1 lands from google and goes to checkout; s2 views a product; s3 only home
    visit(day, "s1", K.HOME, source="google.com", landing=True)
    visit(day, "s1", K.PRODUCT, product_id=7)
    visit(day, "s1", K.PRODUCT, product_id=7)  # a reload: one more page view, same session
    visit(day, "s1", K.CART_ADD, product_id=7)
    visit(day, "s1", K.CHECKOUT)
    visit(day, "s2", K.PRODUCT, product_id=7, source="direct", landing=True)
    visit(day, "s3", K.HOME, source="newsletter", landing=True)
    visit(day - timedelta(days=1), "old", K.HOME, source="direct", landing=True)  # another day
    returning = customer_make()
    paid_row(day - timedelta(days=10), "5.00", customer=returning)  # an earlier order
    paid_row(day, "30.00", customer=returning, origin="checkout", product_id=7, quantity=2)
    first = customer_make()
    paid_row(day, "12.50", customer=first, product_id=8, title="Wool hat")
    paid_row(day, "99.00", customer=first, status="pending")  # unpaid: not counted
    return returning, first


def test_a_day_is_aggregated_from_visits_and_paid_orders():
    day = _day()
    returning, first = _seed(day)

    stats = daily_aggregate(day=day)

    assert (stats.visits, stats.page_views, stats.product_views, stats.carts, stats.checkouts) == (
        3,
        6,
        2,
        1,
        1,
    )
    assert (stats.orders, stats.revenue, stats.customers, stats.returning_customers) == (2, D("42.50"), 2, 1)
    assert stats.currency == "EUR" or len(stats.currency) == 3
    products = {row.product_id: row for row in DailyProduct.objects.filter(day=day)}
    assert (products[7].views, products[7].orders, products[7].quantity, products[7].revenue) == (
        2,
        1,
        2,
        D("30.00"),
    )
    assert (products[8].title, products[8].views, products[8].revenue) == ("Wool hat", 0, D("12.50"))
    sources = {row.source: row for row in DailySource.objects.filter(day=day)}
    assert set(sources) == {"google.com", "direct", "newsletter"}
    assert (sources["google.com"].visits, sources["google.com"].carts, sources["google.com"].checkouts) == (
        1,
        1,
        1,
    )
    assert (sources["direct"].product_views, sources["direct"].carts) == (1, 0)
    channels = {row.channel: (row.orders, row.revenue) for row in DailyChannel.objects.filter(day=day)}
    assert channels == {"checkout": (1, D("30.00")), "draft": (1, D("12.50"))}
    customers = {row.customer_id: row for row in DailyCustomer.objects.filter(day=day)}
    assert customers[returning.pk].returning and not customers[first.pk].returning


def test_sales_are_counted_by_the_source_the_ordering_session_landed_from():
    # given a session from a campaign that saw its order's confirmation (twice: a reload), one
    # from google whose order was never paid, and a direct session with a paid order of its own
    day = _day()
    campaign = paid_row(day, "40.00", origin="checkout")
    unpaid = paid_row(day, "99.00", origin="checkout", status="pending")
    direct = paid_row(day, "15.00", origin="checkout")
    visit(day, "s1", K.HOME, source="spring-sale", landing=True)
    visit(day, "s1", K.ORDER, order_id=campaign.pk, hour=13)
    visit(day, "s1", K.ORDER, order_id=campaign.pk, hour=14)
    visit(day, "s2", K.HOME, source="google.com", landing=True)
    visit(day, "s2", K.ORDER, order_id=unpaid.pk)
    visit(day, "s3", K.PRODUCT, product_id=7, source="direct", landing=True)
    visit(day, "s3", K.ORDER, order_id=direct.pk)

    stats = daily_aggregate(day=day)

    # then each paid order counts once, for its session's landing source; steps are no page views
    sources = {
        row.source: (row.visits, row.orders, row.revenue) for row in DailySource.objects.filter(day=day)
    }
    assert sources == {
        "spring-sale": (1, 1, D("40.00")),
        "google.com": (1, 0, D("0")),
        "direct": (1, 1, D("15.00")),
    }
    assert (stats.visits, stats.page_views) == (3, 3)


def test_aggregating_a_day_again_gives_the_same_rows():
    day = _day()
    _seed(day)
    daily_aggregate(day=day)
    before = [
        list(model.objects.filter(day=day).order_by("pk").values(*fields))
        for model, fields in (
            (DailyStats, ("day", "visits", "orders", "revenue", "customers", "profit")),
            (DailyProduct, ("product_id", "views", "revenue")),
            (DailySource, ("source", "visits")),
            (DailyChannel, ("channel", "orders")),
            (DailyCustomer, ("customer_id", "revenue", "returning")),
        )
    ]

    daily_aggregate(day=day)
    daily_aggregate(day=day)

    assert DailyStats.objects.filter(day=day).count() == 1
    after = [
        list(model.objects.filter(day=day).order_by("pk").values(*fields))
        for model, fields in (
            (DailyStats, ("day", "visits", "orders", "revenue", "customers", "profit")),
            (DailyProduct, ("product_id", "views", "revenue")),
            (DailySource, ("source", "visits")),
            (DailyChannel, ("channel", "orders")),
            (DailyCustomer, ("customer_id", "revenue", "returning")),
        )
    ]
    assert after == before


def test_a_new_order_is_picked_up_by_the_next_aggregation():
    day = _day()
    paid_row(day, "10.00")
    assert daily_aggregate(day=day).orders == 1
    paid_row(day, "15.00")
    stats = daily_aggregate(day=day)
    assert (stats.orders, stats.revenue) == (2, D("25.00"))


def test_a_day_without_anything_has_a_zero_row():
    stats = daily_aggregate(day=_day())
    assert (stats.visits, stats.orders, stats.revenue, stats.profit) == (0, 0, D("0"), D("0"))


def test_profit_comes_from_the_profit_per_order_code():
    day = _day()
    paid_row(day, "40.00")  # no line cost known: profit is the revenue (nothing to subtract)
    assert daily_aggregate(day=day).profit == D("40.00")


def test_the_hourly_job_aggregates_yesterday_and_today():
    today = store_today()
    paid_row(today - timedelta(days=1), "7.00")
    daily_aggregate_recent()
    assert set(DailyStats.objects.values_list("day", flat=True)) == {today, today - timedelta(days=1)}
    assert DailyStats.objects.get(day=today - timedelta(days=1)).revenue == D("7.00")


def test_the_retention_purge_removes_old_raw_visits_only():
    day = _day()
    visit(day - timedelta(days=40), "old")
    visit(day, "new")
    daily_aggregate(day=day - timedelta(days=40))

    removed = visits_purge(timezone.now() - timedelta(days=30))

    assert removed == 1
    assert list(Visit.objects.values_list("session", flat=True)) == ["new"]
    assert DailyStats.objects.filter(day=day - timedelta(days=40)).exists()  # figures stay


def test_the_raw_visits_retention_kind_and_the_jobs_are_registered():
    kind = retention_kind_get("analytics_raw")
    assert kind is not None and kind.default_days == 30 and kind.purge is visits_purge
    assert store_job_get(FLUSH_JOB).every == 60
    assert store_job_get(AGGREGATE_JOB).every == 60 * 60
