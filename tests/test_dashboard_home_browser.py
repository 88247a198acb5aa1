"""The dashboard home in a real chromium, signed in to store alpha as a team member: the owner
sees the figures with their changes, the two charts, the recent orders and the alerts, switches
the period by keyboard; staff sees orders and alerts but no figures. At 375 px nothing sticks out
sideways. The home is photographed at 1280 and 375 px into
`.local/artifacts/dashboard-screenshots/home*.png` (a test artefact, not committed).

As in tests/test_after_sale_browser.py, the app runs in a threaded WSGI server in this process,
so the data the page shows is committed: a few paid orders over the last week (aggregated by the
analytics job, today's left live), a variant low on stock and two team members, all removed
afterwards with the order counter put back. ORM calls run in a helper thread because
Playwright's loop runs in this one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect

from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    DASHBOARD_SCREENSHOTS,
    PHONE,
    dashboard_sign_in,
    off_loop,
    phone_scroll_width,
    session_keys_of,
)
from tests.fixtures import PASSWORD, committed_orders_remove, store_counters, store_counters_restore

pytestmark = pytest.mark.browser


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


@dataclass(frozen=True)
class Home:
    suffix: str
    order_ids: list[int]
    newest_number: int
    days: list[date]
    emails: dict[str, str]  # role -> email
    counters: dict[str, int | None] = field(default_factory=dict)


def _home_make(suffix: str) -> Home:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.analytics.daily import store_zone
    from apps.analytics.selectors import store_today
    from apps.analytics.services import daily_aggregate_range
    from apps.orders.tests.factories import order_row, variant_make

    with schema_context(_alpha().schema_name):
        counters = store_counters()
        today = store_today()
        orders = []
        for days_ago, total in (
            (12, "55.00"),
            (9, "35.00"),
            (6, "42.00"),
            (4, "18.50"),
            (2, "64.00"),
            (1, "27.00"),
        ):
            moment = datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=store_zone())
            amount = Decimal(total)
            orders.append(
                order_row(
                    status="paid",
                    paid_at=moment,
                    total=amount,
                    subtotal=amount,
                    amount_paid=amount,
                    email=f"home-{suffix}@example.com",
                )
            )
        days = [today - timedelta(days=n) for n in range(14, 0, -1)]
        daily_aggregate_range(start=days[0], end=days[-1])
        amount = Decimal("31.00")
        orders.append(
            order_row(
                status="paid",
                total=amount,
                subtotal=amount,
                amount_paid=amount,
                email=f"home-{suffix}@example.com",
            )
        )
        variant_make(stock=2, title=f"Home lamp {suffix}")
        emails = {}
        for role in ("owner", "staff"):
            email = f"home-{role}-{suffix}@example.com"
            User.objects.create_user(email, PASSWORD, is_staff=True, store_role=role)
            EmailAddress.objects.create(
                user=User.objects.get(email=email), email=email, verified=True, primary=True
            )
            emails[role] = email
        return Home(
            suffix=suffix,
            order_ids=[order.pk for order in orders],
            newest_number=orders[-1].number,
            days=days,
            emails=emails,
            counters=counters,
        )


def _home_remove(home: Home, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.analytics.models import DailyChannel, DailyCustomer, DailyProduct, DailySource, DailyStats
    from apps.catalog.models import Product
    from apps.core.models import EventRecord
    from apps.inventory.models import Location, StockMovement

    with schema_context(_alpha().schema_name):
        committed_orders_remove(home.order_ids)
        for model in (DailyStats, DailyCustomer, DailyChannel, DailyProduct, DailySource):
            model.objects.filter(day__in=home.days).delete()
        products = Product.objects.filter(title=f"Home lamp {home.suffix}")
        locations = list(
            Location.objects.filter(stock_levels__variant__product__in=products).values_list("pk", flat=True)
        )
        StockMovement.objects.filter(stock__variant__product__in=products).delete()
        products.delete()
        Location.objects.filter(pk__in=locations).delete()
        User.objects.filter(email__in=list(home.emails.values())).delete()
        EventRecord.objects.filter(payload__sku__contains=home.suffix.upper()).delete()
        store_counters_restore(home.counters)
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


@pytest.fixture
def home(dashboard_store_url: str) -> Iterator[tuple[Home, list[str]]]:
    made = off_loop(_home_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_home_remove, made, session_keys)


def test_the_owner_reads_the_home_and_changes_the_period(  # type: ignore[no-untyped-def]
    home, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = home
    broken: list[str] = []
    page = dashboard_sign_in(
        browser, dashboard_store_url, made.emails["owner"], broken, then_open="/dashboard/"
    )
    try:
        DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        expect(page.locator("#figure-revenue .figure-value")).to_be_visible()
        expect(page.locator("#figure-orders .figure-delta")).to_contain_text(
            "Up from"
        )  # nothing 31-60 days ago
        expect(page.locator("#chart-revenue svg[role=img]")).to_be_visible()
        expect(page.locator("#chart-orders svg[role=img]")).to_be_visible()
        expect(page.locator("#recent-orders")).to_contain_text(f"#{made.newest_number}")
        expect(page.locator("#alert-low_stock")).to_contain_text("Stock levels running low")
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "home.png"), full_page=True)

        # the period by keyboard: focus the "Last 7 days" link and press Enter
        page.locator(".period-picker a", has_text="Last 7 days").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/?period=7")
        expect(page.locator('.period-picker a[aria-current="true"]')).to_have_text("Last 7 days")
        # 42 + 18.50 + 64 + 27 (aggregated) + 31 (today, live)
        expect(page.locator("#figure-revenue .figure-value")).to_have_text("€182.50")
        expect(page.locator("#chart-revenue .chart-bar")).to_have_count(7)
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "home-7-days.png"), full_page=True)

        width = phone_scroll_width(page)
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "home-phone.png"), full_page=True)
        assert width <= PHONE["width"], f"the home page is {width} px wide at 375 px"
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, broken


def test_staff_sees_orders_and_alerts_but_no_figures(  # type: ignore[no-untyped-def]
    home, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = home
    broken: list[str] = []
    page = dashboard_sign_in(
        browser, dashboard_store_url, made.emails["staff"], broken, then_open="/dashboard/"
    )
    try:
        expect(page.locator("#recent-orders")).to_contain_text(f"#{made.newest_number}")
        expect(page.locator("#alert-low_stock")).to_be_visible()
        expect(page.locator("#figures")).to_have_count(0)
        width = phone_scroll_width(page)
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "home-staff-phone.png"), full_page=True)
        assert width <= PHONE["width"], f"the staff home is {width} px wide at 375 px"
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, broken
