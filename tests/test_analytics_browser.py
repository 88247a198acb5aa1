"""The analytics reports in a real chromium, signed in to store alpha as its finance member:
the overview with its figures, chart and comparison, a preset by keyboard, a bad range refused
next to the field, the funnel and the products report. At 375 px nothing sticks out sideways.
Pages are photographed at 1280 and 375 px into
`.local/artifacts/dashboard-screenshots/analytics*.png` (a test artefact, not committed).

As in tests/test_dashboard_home_browser.py, the app runs in a threaded WSGI server in this
process, so the data the pages show is committed: a week of visits and paid orders (aggregated
by the analytics job) and a team member, all removed afterwards with the order counter put back.
ORM calls run in a helper thread because Playwright's loop runs in this one.
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
    DESKTOP,
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
class Shop:
    suffix: str
    order_ids: list[int]
    customer_ids: list[int]
    days: list[date]
    email: str
    counters: dict[str, int | None] = field(default_factory=dict)


def _shop_make(suffix: str) -> Shop:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.analytics.daily import store_zone
    from apps.analytics.models import Visit
    from apps.analytics.selectors import store_today
    from apps.analytics.services import daily_aggregate_range
    from apps.customers.models import Customer
    from apps.orders.models import OrderLine
    from apps.orders.tests.factories import order_row

    with schema_context(_alpha().schema_name):
        counters = store_counters()
        today = store_today()
        days = [today - timedelta(days=n) for n in range(14, 0, -1)]
        orders, customers = [], []
        for index, day in enumerate(days[-7:]):
            moment = datetime.combine(day, time(12), tzinfo=store_zone())
            for n in range(index % 3 + 1):
                session = f"{suffix}{index}{n}"
                Visit.objects.create(
                    at=moment, session=session, kind="home", source="google.com", landing=True
                )
                Visit.objects.create(at=moment, session=session, kind="product", product_id=1)
                if n == 0:
                    Visit.objects.create(at=moment, session=session, kind="cart_add", product_id=1)
                    Visit.objects.create(at=moment, session=session, kind="checkout")
            customer = Customer.objects.create(
                email=f"analytics-{suffix}-{index}@example.com", full_name=f"Buyer {index} {suffix}"
            )
            customers.append(customer)
            amount = Decimal(20 + index * 7)
            order = order_row(
                status="paid",
                paid_at=moment,
                total=amount,
                subtotal=amount,
                amount_paid=amount,
                customer=customer,
                email=customer.email,
            )
            OrderLine.objects.create(
                order=order,
                product_id_snapshot=1,
                product_title=f"Canvas tote {suffix}",
                quantity=1,
                unit_price=amount,
                subtotal=amount,
                total=amount,
            )
            orders.append(order)
        daily_aggregate_range(start=days[0], end=days[-1])
        email = f"analytics-finance-{suffix}@example.com"
        user = User.objects.create_user(email, PASSWORD, is_staff=True, store_role="finance")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return Shop(
            suffix=suffix,
            order_ids=[order.pk for order in orders],
            customer_ids=[customer.pk for customer in customers],
            days=days,
            email=email,
            counters=counters,
        )


def _shop_remove(shop: Shop, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.analytics.models import (
        DailyChannel,
        DailyCustomer,
        DailyProduct,
        DailySource,
        DailyStats,
        Visit,
    )
    from apps.customers.models import Customer

    with schema_context(_alpha().schema_name):
        committed_orders_remove(shop.order_ids)
        Visit.objects.filter(session__startswith=shop.suffix).delete()
        for model in (DailyStats, DailyCustomer, DailyChannel, DailyProduct, DailySource):
            model.objects.filter(day__in=shop.days).delete()
        Customer.objects.filter(pk__in=shop.customer_ids).delete()
        User.objects.filter(email=shop.email).delete()
        store_counters_restore(shop.counters)
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


@pytest.fixture
def shop(dashboard_store_url: str) -> Iterator[tuple[Shop, list[str]]]:
    made = off_loop(_shop_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_shop_remove, made, session_keys)


def test_finance_reads_the_reports_at_desktop_and_phone_width(  # type: ignore[no-untyped-def]
    shop, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = shop
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, made.email, broken)
    try:
        DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        response = page.goto("/dashboard/analytics/")
        assert response is not None and response.status == 200
        expect(page.locator("#figure-orders .analytics-figure-value")).to_have_text("7")
        expect(page.locator("#figure-visits .analytics-figure-value")).to_have_text("13")
        expect(page.locator(".analytics-chart svg[role=img]")).to_be_visible()
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "analytics.png"), full_page=True)

        # a preset by keyboard
        page.locator(".analytics-presets a", has_text="Last 7 days").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/analytics/?days=7")
        expect(page.locator('.analytics-presets a[aria-current="true"]')).to_have_text("Last 7 days")
        expect(page.locator(".analytics-bar")).to_have_count(7)

        # a bad range: the error next to the field, nothing else shown
        page.locator("#id_start").fill("2026-03-10")
        page.locator("#id_end").fill("2026-03-01")
        page.locator(".analytics-range button[type=submit]").click()
        expect(page.locator("#id_start-error")).to_contain_text("after the end date")
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "analytics-bad-range.png"), full_page=True)

        page.goto("/dashboard/analytics/funnel/?days=30")
        expect(page.locator("#funnel-visits")).to_contain_text("13")
        expect(page.locator("#funnel-orders")).to_contain_text("7")
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "analytics-funnel.png"), full_page=True)

        page.goto("/dashboard/analytics/products/?days=30")
        expect(page.locator("#analytics-products")).to_contain_text(f"Canvas tote {made.suffix}")
        expect(page.locator("#analytics-csv")).to_be_visible()
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "analytics-products.png"), full_page=True)

        for path, name in (
            ("/dashboard/analytics/", "analytics-phone.png"),
            ("/dashboard/analytics/funnel/", "analytics-funnel-phone.png"),
            ("/dashboard/analytics/sales/", "analytics-sales-phone.png"),
        ):
            page.set_viewport_size(DESKTOP)
            page.goto(path)
            width = phone_scroll_width(page)
            page.screenshot(path=str(DASHBOARD_SCREENSHOTS / name), full_page=True)
            assert width <= PHONE["width"], f"{path} is {width} px wide at 375 px"
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, broken
