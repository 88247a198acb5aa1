"""The dashboard's shell in a real chromium, signed in as store alpha's owner: the command
palette (Ctrl+K) jumps to a product typed by name and to an order typed by number, Escape closes
it and gives the focus back; the sidebar collapses and stays collapsed after a reload; the
dark-mode switch darkens the page and is remembered; and at 375 px the Menu button opens the
menu while home, products, orders, customers and settings never scroll sideways. Pictures go to
`.local/artifacts/dashboard-screenshots/shell*.png` (a test artefact, not committed).

As in tests/test_after_sale_browser.py, the app runs in a threaded WSGI server in this process,
so the rows the pages show are committed, uniquely named, and removed afterwards (the order
counter put back). ORM calls run in a helper thread because Playwright's loop runs in this one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    ALPHA_OWNER_EMAIL,
    DASHBOARD_SCREENSHOTS,
    OVERFLOWING,
    PHONE,
    console_handoff,
    dashboard_page,
    frames_painted,
    off_loop,
    session_keys_of,
    side_rows_remove,
)
from tests.fixtures import committed_orders_remove, store_counters, store_counters_restore

pytestmark = pytest.mark.browser


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


@dataclass(frozen=True)
class Shop:
    suffix: str
    since: Any
    product_title: str
    product_uuid: str
    order_number: int
    store_uuid: str
    owner_uuid: str
    owner_last_login: Any
    staff_account_existed: bool
    staff_last_login: Any
    counters: dict[str, int | None]


def _shop_make(suffix: str) -> Shop:
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.catalog.services import ProductInput, VariantInput, product_create
    from apps.orders.tests.factories import order_row

    tenant = _alpha()
    owner = User.objects.get(email=ALPHA_OWNER_EMAIL)
    with schema_context(tenant.schema_name):
        since = timezone.now()
        counters = store_counters()
        staff = User.objects.filter(platform_user_uuid=owner.uuid).first()
        title = f"Lighthouse Lamp {suffix}"
        product = product_create(
            data=ProductInput(
                title=title,
                status="active",
                variants=(VariantInput(sku=f"LAMP-{suffix}", price=Decimal("42.00")),),
            ),
            emit=False,
        )
        order = order_row(email=f"shell-{suffix}@example.com")
        return Shop(
            suffix=suffix,
            since=since,
            product_title=title,
            product_uuid=str(product.uuid),
            order_number=order.number,
            store_uuid=str(tenant.uuid),
            owner_uuid=str(owner.uuid),
            owner_last_login=owner.last_login,
            staff_account_existed=staff is not None,
            staff_last_login=staff.last_login if staff is not None else None,
            counters=counters,
        )


def _shop_remove(shop: Shop, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.catalog.models import Product
    from apps.core.models import EventRecord
    from apps.orders.models import Order
    from apps.platform.models import HandoffToken

    tenant = _alpha()
    with schema_context(tenant.schema_name):
        committed_orders_remove(
            list(Order.objects.filter(email=f"shell-{shop.suffix}@example.com").values_list("pk", flat=True))
        )
        Product.objects.filter(title__endswith=shop.suffix).delete()
        EventRecord.objects.filter(created_at__gte=shop.since).delete()
        side_rows_remove(shop.since)
        store_counters_restore(shop.counters)
        staff = User.objects.filter(platform_user_uuid=shop.owner_uuid)
        if shop.staff_account_existed:
            staff.update(last_login=shop.staff_last_login)
        else:
            staff.delete()
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    Session.objects.filter(session_key__in=session_keys).delete()
    HandoffToken.objects.filter(user__uuid=shop.owner_uuid, created_at__gte=shop.since).delete()
    User.objects.filter(uuid=shop.owner_uuid).update(last_login=shop.owner_last_login)
    side_rows_remove(shop.since)
    routing_cache_clear()


@pytest.fixture
def shop(dashboard_store_url: str) -> Iterator[tuple[Shop, list[str]]]:
    made = off_loop(_shop_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_shop_remove, made, session_keys)


@pytest.fixture
def owner_page(browser: Browser, dashboard_store_url: str, shop: tuple[Shop, list[str]]) -> Iterator[Page]:
    """Alpha's dashboard signed in as its owner through the console's hand-off; script errors,
    CSP refusals and missing static files are collected and must be none."""
    made, session_keys = shop
    broken: list[str] = []
    page = dashboard_page(browser, dashboard_store_url, broken)
    context = page.context
    try:
        console_handoff(page, dashboard_store_url, made.store_uuid)
        expect(page.locator("main h1")).to_be_visible()
        yield page
    finally:
        session_keys += session_keys_of(context)
        context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


def _shot(page: Page, name: str) -> None:
    DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DASHBOARD_SCREENSHOTS / f"{name}.png"), full_page=True)


def _palette_jump(page: Page, typed: str, expected_label: str) -> None:
    page.locator("main h1").click()  # the focus somewhere on the page, as a merchant's would be
    page.keyboard.press("Control+k")
    palette = page.locator("#palette")
    expect(palette).to_be_visible()
    field = page.locator("#palette-input")
    expect(field).to_be_focused()
    field.press_sequentially(typed, delay=15)
    option = page.locator("#palette-results [role=option]", has_text=expected_label).first
    expect(option).to_be_visible()
    # arrow keys down to it, then Enter
    options = page.locator("#palette-results [role=option]")
    labels = options.all_inner_texts()
    index = next(i for i, text in enumerate(labels) if expected_label in text)
    for _ in range(index):
        field.press("ArrowDown")
    expect(options.nth(index)).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", f"palette-option-{index}")


# ------------------------------------------------------------------------------
# the tests
# ------------------------------------------------------------------------------
def test_the_palette_jumps_to_a_product_and_an_order_and_escape_gives_the_focus_back(shop, owner_page: Page):  # type: ignore[no-untyped-def]
    made, _keys = shop
    page = owner_page

    # Escape closes it and the focus returns to the Search button that opened it
    search_button = page.locator("[data-palette-open]")
    search_button.click()
    expect(page.locator("#palette")).to_be_visible()
    expect(page.locator("#palette-results [role=option]").first).to_be_visible()  # the pages
    page.keyboard.press("Escape")
    expect(page.locator("#palette")).to_be_hidden()
    expect(search_button).to_be_focused()

    # a product by part of its name
    _palette_jump(page, f"lighthouse lamp {made.suffix}", made.product_title)
    _shot(page, "shell-palette")
    page.locator("#palette-input").press("Enter")
    expect(page).to_have_url(re.compile(rf"/dashboard/catalog/products/{made.product_uuid}/$"))

    # an order by its number
    _palette_jump(page, f"#{made.order_number}", f"Order #{made.order_number}")
    page.locator("#palette-input").press("Enter")
    expect(page).to_have_url(re.compile(rf"/dashboard/orders/{made.order_number}/$"))
    expect(page.locator("main h1")).to_contain_text(f"#{made.order_number}")
    # the breadcrumbs lead back to the orders
    expect(page.locator("nav.breadcrumbs a", has_text="Orders")).to_have_attribute(
        "href", "/dashboard/orders/"
    )

    # at the phone width the palette fits too
    page.set_viewport_size(PHONE)
    page.keyboard.press("Control+k")
    page.locator("#palette-input").press_sequentially(made.suffix, delay=15)
    expect(page.locator("#palette-results [role=option]", has_text=made.product_title)).to_be_visible()
    _shot(page, "shell-palette-phone")
    page.keyboard.press("Escape")


def test_the_sidebar_collapses_and_dark_mode_is_remembered(shop, owner_page: Page):  # type: ignore[no-untyped-def]
    page = owner_page
    page.goto("/dashboard/orders/")
    sidebar_nav = page.locator("#sidebar-nav")
    expect(sidebar_nav).to_be_visible()
    expect(sidebar_nav.locator('a[aria-current="page"]')).to_have_text("Orders")
    expect(page.locator("#sidebar-nav h2", has_text="Catalog")).to_be_visible()
    _shot(page, "shell")

    # collapse: the menu goes, the page widens, and it stays so after a reload
    toggle = page.locator("[data-sidebar-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    width_before = page.locator(".dashboard-main").bounding_box()["width"]  # type: ignore[index]
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(sidebar_nav).to_be_hidden()
    assert page.locator(".dashboard-main").bounding_box()["width"] > width_before + 100  # type: ignore[index]
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-sidebar", "collapsed")
    expect(page.locator("#sidebar-nav")).to_be_hidden()
    _shot(page, "shell-collapsed")
    page.locator("[data-sidebar-toggle]").click()
    expect(page.locator("#sidebar-nav")).to_be_visible()

    # dark mode: the switch, then a reload keeps it (applied before the first paint)
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    switch = page.locator("[data-theme-toggle]")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark != light and dark == "rgb(15, 18, 24)"
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark
    _shot(page, "shell-dark")
    page.locator("[data-theme-toggle]").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")

    # the skip link is the first stop of the keyboard and lands on the page's content
    page.goto("/dashboard/orders/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_be_focused()


def test_the_dark_mode_follows_the_system_until_the_merchant_chooses(
    browser: Browser, shop, owner_page: Page
):  # type: ignore[no-untyped-def]
    page = owner_page
    page.emulate_media(color_scheme="dark")
    page.goto("/dashboard/catalog/products/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 18, 24)"
    expect(page.locator("[data-theme-toggle]")).to_have_attribute("aria-pressed", "true")
    page.emulate_media(color_scheme="light")
    expect(page.locator("[data-theme-toggle]")).to_have_attribute("aria-pressed", "false")


MAIN_PAGES = (
    # name, path, heading
    ("home", "/dashboard/", ""),
    ("products", "/dashboard/catalog/products/", "Products"),
    ("orders", "/dashboard/orders/", "Orders"),
    ("customers", "/dashboard/customers/", "Customers"),
    ("settings", "/dashboard/store/settings/", ""),
)


def test_at_375_px_the_menu_button_opens_the_menu_and_no_page_scrolls_sideways(shop, owner_page: Page):  # type: ignore[no-untyped-def]
    page = owner_page
    page.set_viewport_size(PHONE)
    overflows: dict[str, str] = {}
    for name, path, heading in MAIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        if heading:
            expect(page.locator("main h1")).to_contain_text(heading)
        frames_painted(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            overflows[name] = f"scrollWidth {width}: " + "; ".join(page.evaluate(OVERFLOWING))
        _shot(page, f"shell-phone-{name}")

    # the menu: hidden behind its button, which opens it over the page and says so
    page.goto("/dashboard/orders/")
    button = page.locator("summary.menu-button")
    expect(button).to_be_visible()
    expect(page.locator("#sidebar-nav")).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    menu = page.locator("#sidebar-nav")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Customers", exact=True)).to_be_visible()
    frames_painted(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "shell-phone-menu")
    # Escape closes it and the focus goes back to the button
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    # by keyboard: open it, and the next Tab stops are the menu's links
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#sidebar-nav') !== null")
    menu.get_by_role("link", name="Customers", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/customers/$"))

    assert not overflows, "pages scroll sideways at 375 px:\n" + "\n".join(
        f"- {name}: {found}" for name, found in overflows.items()
    )
