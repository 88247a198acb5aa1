"""The analytics pages (/dashboard/analytics/): each report over a range with its comparison,
CSV exports, bad ranges refused with 400, permissions, empty states, pagination, query counts
that do not grow with the data, and one store never seeing another's figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from apps.analytics.selectors import store_today
from apps.analytics.services import daily_aggregate
from apps.analytics.tests.factories import customer_make, paid_row, visit
from apps.orders.tests.dashboard_support import role_client
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

BASE = "/dashboard/analytics/"
REPORTS = ("", "sales/", "products/", "sources/", "customers/", "funnel/")
EXPORTS = REPORTS[1:]
MAX_QUERIES = 25


def _seed(world: StoreWorld, *, days: int = 1, per_day: int = 1, tag: str = "") -> None:
    """`per_day` paid orders (each its own customer and product) and visits on each of `days`
    days before today, aggregated."""
    with schema_context(world.tenant.schema_name):
        today = store_today()
        for offset in range(1, days + 1):
            day = today - timedelta(days=offset)
            for n in range(per_day):
                session = f"s{tag}{offset}-{n}"
                visit(day, session, "home", source="google.com", landing=True)
                visit(day, session, "product", product_id=1000 + n)
                visit(day, session, "cart_add", product_id=1000 + n)
                paid_row(
                    day,
                    "25.00",
                    customer=customer_make(f"buyer{tag}-{offset}-{n}@example.com"),
                    product_id=1000 + n,
                    title=f"Product {n}",
                    origin="checkout" if n % 2 else "draft",
                )
            daily_aggregate(day=day)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_every_report_shows_the_figures(alpha):
    _seed(alpha, days=2)
    client = role_client(alpha, "owner")

    overview = client.get(BASE, {"days": 7})
    assert overview.status_code == 200
    figures = {figure["key"]: figure for figure in overview.context["figures"]}
    assert figures["orders"]["value"] == 2 and figures["visits"]["value"] == 2
    assert figures["conversion"]["percent"] == 100
    assert figures["orders"]["direction"] == "none"  # nothing in the week before
    assert 'id="analytics-figures"' in overview.text and "<svg" in overview.text

    sales = client.get(f"{BASE}sales/", {"days": 7})
    assert sales.status_code == 200 and len(sales.context["rows"]) == 7
    products = client.get(f"{BASE}products/")
    assert "Product 0" in products.text
    assert products.context["rows"][0]["quantity"] == 2
    sources = client.get(f"{BASE}sources/")
    assert "google.com" in sources.text and sources.context["channels"][0]["orders"] == 2
    customers = client.get(f"{BASE}customers/")
    assert "buyer-1-0@example.com" in customers.text or "Ann Shopper" in customers.text
    funnel = client.get(f"{BASE}funnel/")
    steps = {step["name"]: step["value"] for step in funnel.context["steps"]}
    assert steps == {"visits": 2, "product_views": 2, "carts": 2, "checkouts": 0, "orders": 2}


def test_the_comparison_with_the_previous_period(alpha):
    with schema_context(alpha.tenant.schema_name):
        today = store_today()
        for offset, total in ((2, "30.00"), (9, "10.00")):
            paid_row(today - timedelta(days=offset), total)
            daily_aggregate(day=today - timedelta(days=offset))
    page = role_client(alpha, "finance").get(BASE, {"days": 7})
    revenue = {figure["key"]: figure for figure in page.context["figures"]}["revenue"]
    assert (revenue["change"], revenue["direction"]) == (200, "up")
    assert "up 200.0 %" in page.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-02-30", "end": "yesterday"}, "Enter a valid date"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "after the end date"),
        ({"start": "2024-01-01", "end": "2025-06-01"}, "at most 366 days"),
        ({"days": "12"}, "Select a valid choice"),
    ],
    ids=["unparsable", "backwards", "too-long", "bad-preset"],
)
@pytest.mark.parametrize("report", REPORTS)
def test_a_bad_range_is_refused_with_a_message(alpha, report, params, message):
    client = role_client(alpha, "owner")
    page = client.get(f"{BASE}{report}", params)
    assert page.status_code == 400
    assert message in page.text and 'role="alert"' in page.text
    csv_page = client.get(f"{BASE}{report}", dict(params, format="csv"))
    assert csv_page.status_code == 400  # no file for a range that does not exist


def test_an_empty_store_says_what_to_do_next(alpha):
    client = role_client(alpha, "owner")
    for report in REPORTS:
        page = client.get(f"{BASE}{report}")
        assert page.status_code == 200
        assert 'id="analytics-empty"' in page.text, report


@pytest.mark.parametrize("report", EXPORTS)
def test_each_report_downloads_as_csv(alpha, report):
    _seed(alpha, days=3)
    response = role_client(alpha, "finance").get(f"{BASE}{report}", {"days": "7", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) >= 2


def test_the_csv_of_sales_by_day_has_one_line_per_day(alpha):
    _seed(alpha, days=1)
    rows = _csv(role_client(alpha, "owner").get(f"{BASE}sales/", {"days": "7", "format": "csv"}))
    assert rows[0][:5] == ["day", "visits", "page_views", "orders", "revenue"]
    assert len(rows) == 1 + 7
    with schema_context(alpha.tenant.schema_name):
        yesterday = (store_today() - timedelta(days=1)).isoformat()
    assert [row[3] for row in rows if row[0] == yesterday] == ["1"]


def test_csv_cells_that_look_like_formulas_stay_text(alpha):
    with schema_context(alpha.tenant.schema_name):
        day = store_today() - timedelta(days=1)
        paid_row(day, "5.00", product_id=5, title="=HYPERLINK(1)")
        daily_aggregate(day=day)
    rows = _csv(role_client(alpha, "owner").get(f"{BASE}products/", {"format": "csv"}))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_staff_may_not_read_analytics_and_finance_may(alpha):
    staff = role_client(alpha, "staff")
    finance = role_client(alpha, "finance")
    for report in REPORTS:
        assert staff.get(f"{BASE}{report}").status_code == 403
        assert staff.get(f"{BASE}{report}", {"format": "csv"}).status_code == 403
        assert finance.get(f"{BASE}{report}").status_code == 200
    assert role_client(alpha, "").get(BASE).status_code == 403  # a shopper
    assert "Analytics" in finance.get("/dashboard/").text  # the menu entry


def test_long_lists_paginate(alpha):
    _seed(alpha, days=1, per_day=55)
    client = role_client(alpha, "owner")
    first = client.get(f"{BASE}products/")
    assert len(first.context["rows"]) == 50 and 'rel="next"' in first.text
    second = client.get(f"{BASE}products/", {"page": 2})
    assert len(second.context["rows"]) == 5
    assert len(client.get(f"{BASE}customers/", {"page": 2}).context["rows"]) == 5


@pytest.mark.parametrize("report", REPORTS)
def test_query_counts_are_pinned_and_do_not_grow_with_the_data(alpha, report, django_assert_max_num_queries):
    client = role_client(alpha, "owner")
    _seed(alpha, days=1, per_day=1)
    with schema_context(alpha.tenant.schema_name):  # today (counted live) has an order too
        paid_row(store_today(), "9.00", customer=customer_make())
        visit(store_today(), "today")
    client.get(f"{BASE}{report}")  # warm the per-store caches
    with django_assert_max_num_queries(MAX_QUERIES) as small:
        assert client.get(f"{BASE}{report}", {"days": 30}).status_code == 200
    _seed(alpha, days=20, per_day=4, tag="more")
    with schema_context(alpha.tenant.schema_name):
        today = store_today()
        for n in range(6):
            paid_row(today, "9.00", customer=customer_make())
            visit(today, f"today-{n}")
    with django_assert_max_num_queries(len(small)):
        assert client.get(f"{BASE}{report}", {"days": 30}).status_code == 200


def test_beta_never_sees_alphas_figures(alpha, beta):
    _seed(alpha, days=2)
    with schema_context(alpha.tenant.schema_name):
        paid_row(store_today(), "77.00", customer=customer_make("alpha-today@example.com"))
        visit(store_today(), "alpha-today")
    client = role_client(beta, "owner")
    overview = client.get(BASE)
    figures = {figure["key"]: figure["value"] for figure in overview.context["figures"]}
    assert (figures["orders"], figures["visits"], figures["customers"]) == (0, 0, 0)
    for report in EXPORTS:
        page = client.get(f"{BASE}{report}")
        assert "buyer-1-0@example.com" not in page.text and "google.com" not in page.text
        assert 'id="analytics-empty"' in page.text
    with schema_context(beta.tenant.schema_name):
        from apps.analytics.selectors import store_figures

        today = store_today()
        assert store_figures(start=today - timedelta(days=7), end=today).revenue == 0
