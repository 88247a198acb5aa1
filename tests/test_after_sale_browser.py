"""The dashboard's "after the sale" pages in a real chromium, signed in as store alpha's owner.

The owner comes in as tests/test_browser.py's merchant does: signed in on the platform, then the
console's "Open dashboard" hands them over to the store's dashboard. On a paid order of two
variants (invoiced and assessed for fraud) they read the order page's invoice, fraud risk and
profit panels, ship one line with DHL and see its tracking link, refund part of the order and see
the refund. Then every list page of the new apps (at-risk orders, profit, supplier orders, fraud
review, returns, invoices, email templates and one template's editor with its live preview,
reviews) answers with its heading, and at 375 px nothing sticks out sideways. Each page is
photographed at 1280 and 375 px into `.local/artifacts/after-sale-screenshots/` (a test artefact,
not committed).

As in tests/test_checkout_browser.py, the app runs in a threaded WSGI server in this process, so
the data the pages show is committed: each test creates uniquely named rows in alpha's schema and
removes them afterwards (with the order and invoice number counters put back, so later tests
still see #1001 ...). ORM calls run in a helper thread because Playwright's loop runs in this one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.core.tenancy import tenant_connection
from apps.fulfilment.carriers import carrier_tracking_url
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    ALPHA_OWNER_EMAIL,
    DESKTOP,
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

SCREENSHOTS = Path(django_settings.BASE_DIR) / ".local" / "artifacts" / "after-sale-screenshots"


@pytest.fixture
def store_url(wsgi_server_port, settings, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Store alpha's base URL, with the database open to the server thread."""
    settings.PLATFORM_PORT = wsgi_server_port
    settings.PLATFORM_URL = f"http://{settings.PLATFORM_DOMAIN}:{wsgi_server_port}"
    mail.outbox.clear()
    with django_db_blocker.unblock():
        yield f"http://alpha.{settings.PLATFORM_DOMAIN}:{wsgi_server_port}"
        tenant_connection().set_schema_to_public()
    mail.outbox.clear()


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


# ------------------------------------------------------------------------------
# the store's data (committed, removed afterwards)
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shop:
    suffix: str
    email: str  # the shopper's
    since: Any
    order_number: int
    line_small: int  # the order line ids, one per variant
    line_medium: int
    invoice_number: str
    risk_level: str  # as displayed, e.g. "Low"
    risk_score: int
    store_uuid: str
    owner_uuid: str
    owner_last_login: Any
    # what the test changes and puts back
    dummy_enabled: bool
    staff_account_existed: bool  # the owner's staff account in alpha (the hand-off makes it)
    staff_last_login: Any
    # The store's order, invoice and credit-note counters before the test: put back afterwards,
    # so the orders this test commits leave no trace in the numbers later tests expect.
    counters: dict[str, int | None] = field(default_factory=dict)


def _shop_make(suffix: str) -> Shop:
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.catalog.services import ProductInput, VariantInput, product_create
    from apps.checkout.models import ShippingRate, ShippingZone
    from apps.fraud.services import order_risk_assess
    from apps.inventory.models import Location
    from apps.inventory.services import stock_set
    from apps.invoices.services import invoice_issue
    from apps.orders.tests.factories import CARD_SUCCEEDS, checkout_ready, place
    from apps.payments.models import PAYMENT_SETTINGS_PK, PaymentSettings
    from apps.payments.selectors import payment_settings_get

    tenant = _alpha()
    owner = User.objects.get(email=ALPHA_OWNER_EMAIL)
    email = f"after-sale-{suffix}@example.com"
    with schema_context(tenant.schema_name):
        since = timezone.now()
        counters = store_counters()
        staff = User.objects.filter(platform_user_uuid=owner.uuid).first()
        dummy_enabled = payment_settings_get().dummy_enabled
        PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(dummy_enabled=True)
        product = product_create(
            data=ProductInput(
                title=f"Field Jacket {suffix}",
                status="active",
                variants=tuple(
                    VariantInput(sku=f"JACKET-{suffix}-{size}", price=price, options=(("Size", size),))
                    for size, price in (("S", Decimal("80.00")), ("M", Decimal("85.00")))
                ),
            ),
            emit=False,
        )
        location = Location.objects.create(name=f"After-sale warehouse {suffix}", code=f"as-{suffix}")
        variants = {v.sku: v for v in product.variants.select_related("product")}
        small, medium = variants[f"JACKET-{suffix}-S"], variants[f"JACKET-{suffix}-M"]
        for variant in (small, medium):
            stock_set(variant=variant, location=location, on_hand=10, reason="browser test stock")
        zone = ShippingZone.objects.create(name=f"Germany {suffix}", countries=["DE"])
        rate = ShippingRate.objects.create(zone=zone, name=f"Standard {suffix}", amount=Decimal("5.00"))
        # 1 x S and 2 x M, paid with the dummy gateway's card that succeeds
        placement = place(
            checkout_ready(items=[(small, 1), (medium, 2)], email=email, rate=rate), card=CARD_SUCCEEDS
        )
        order = placement.order
        order.refresh_from_db()
        assert order.status == "paid", order.status
        invoice = invoice_issue(order_id=order.pk)
        assessment = order_risk_assess(order)
        lines = {line.variant_id: line.pk for line in order.lines.all()}
        return Shop(
            suffix=suffix,
            email=email,
            since=since,
            order_number=order.number,
            line_small=lines[small.pk],
            line_medium=lines[medium.pk],
            invoice_number=invoice.number,
            risk_level=str(assessment.get_level_display()),
            risk_score=assessment.score,
            store_uuid=str(tenant.uuid),
            owner_uuid=str(owner.uuid),
            owner_last_login=owner.last_login,
            dummy_enabled=dummy_enabled,
            staff_account_existed=staff is not None,
            staff_last_login=staff.last_login if staff is not None else None,
            counters=counters,
        )


def _shop_remove(shop: Shop, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.catalog.models import Product
    from apps.checkout.models import Cart, ShippingZone
    from apps.core.models import EventRecord
    from apps.customers.models import Customer
    from apps.inventory.models import Location
    from apps.notifications.models import Delivery
    from apps.orders.models import Order
    from apps.payments.models import PAYMENT_SETTINGS_PK, DummyPayment, PaymentSettings
    from apps.platform.models import HandoffToken

    tenant = _alpha()
    with schema_context(tenant.schema_name):
        orders = list(Order.objects.filter(lines__sku__startswith=f"JACKET-{shop.suffix}-").distinct())
        ids = [order.pk for order in orders]
        references = [str(order.uuid) for order in orders]
        # Invoices, refunds and emails go with the orders (invoices are protected in the app).
        Delivery.objects.filter(to__in=[shop.email, ALPHA_OWNER_EMAIL], created_at__gte=shop.since).delete()
        DummyPayment.objects.filter(reference__in=references).delete()
        committed_orders_remove(ids)
        Cart.objects.filter(lines__variant__sku__startswith=f"JACKET-{shop.suffix}-").delete()
        Customer.objects.filter(email=shop.email).delete()
        Product.objects.filter(title__endswith=shop.suffix).delete()
        Location.objects.filter(code=f"as-{shop.suffix}").delete()
        ShippingZone.objects.filter(name=f"Germany {shop.suffix}").delete()
        PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(dummy_enabled=shop.dummy_enabled)
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
    # the platform side of the sign-in: the session, the used hand-off, the owner's last login
    Session.objects.filter(session_key__in=session_keys).delete()
    HandoffToken.objects.filter(user__uuid=shop.owner_uuid, created_at__gte=shop.since).delete()
    User.objects.filter(uuid=shop.owner_uuid).update(last_login=shop.owner_last_login)
    side_rows_remove(shop.since)
    routing_cache_clear()


@dataclass(frozen=True)
class AfterSale:
    fulfilments: list[tuple[str, str, str, list[tuple[int, int]]]]  # carrier, number, url, lines
    refunded: Decimal
    refund_requests: list[tuple[Decimal, str]]
    credit_notes: int


def _after_sale(shop: Shop) -> AfterSale:
    from apps.fulfilment.models import Fulfilment
    from apps.invoices.models import Invoice
    from apps.orders.models import Order
    from apps.returns.models import RefundRequest

    with schema_context(_alpha().schema_name):
        order = Order.objects.get(number=shop.order_number)
        return AfterSale(
            fulfilments=[
                (
                    f.carrier,
                    f.tracking_number,
                    f.tracking_url,
                    [(line.order_line_id, line.quantity) for line in f.lines.all()],
                )
                for f in Fulfilment.objects.filter(order=order).prefetch_related("lines")
            ],
            refunded=order.amount_refunded,
            refund_requests=[(r.amount, r.reason) for r in RefundRequest.objects.filter(order=order)],
            credit_notes=Invoice.objects.filter(order=order, credited__isnull=False).count(),
        )


@pytest.fixture
def shop(store_url: str) -> Iterator[tuple[Shop, list[str]]]:
    suffix = uuid.uuid4().hex[:6]
    made = off_loop(_shop_make, suffix)
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_shop_remove, made, session_keys)


@pytest.fixture
def owner_page(browser: Browser, store_url: str, shop: tuple[Shop, list[str]]) -> Iterator[Page]:
    """A chromium page signed in to alpha's dashboard as its owner, through the console's hand-off;
    its script errors, CSP refusals and missing static files are collected and must be none."""
    made, session_keys = shop
    broken: list[str] = []
    page = dashboard_page(browser, store_url, broken)
    context = page.context
    try:
        console_handoff(page, store_url, made.store_uuid)
        expect(page.locator("main h1")).to_be_visible()
        yield page
    finally:
        session_keys += session_keys_of(context)
        context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


# ------------------------------------------------------------------------------
# pictures and the phone width
# ------------------------------------------------------------------------------
def _photograph(page: Page, name: str, overflows: dict[str, str]) -> None:
    """A full-page picture at desktop width, then at 375 px, where nothing may stick out sideways
    (`document.documentElement.scrollWidth <= 375`); the elements that do are noted in
    `overflows` (asserted at the end, so every page is checked and photographed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        # laid out and painted at the new width (frames included) before measuring
        frames_painted(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            elements = page.evaluate(OVERFLOWING)
            overflows[name] = f"scrollWidth {width} at {PHONE['width']} px: " + "; ".join(elements)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    finally:
        if size is not None:
            page.set_viewport_size(size)


def _open(page: Page, path: str, heading: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    expect(page.locator("main h1")).to_contain_text(heading)


# ------------------------------------------------------------------------------
# the tests
# ------------------------------------------------------------------------------
def test_the_owner_ships_a_line_and_refunds_part_of_a_paid_order(shop, owner_page: Page):  # type: ignore[no-untyped-def]
    made, _keys = shop
    page = owner_page
    overflows: dict[str, str] = {}
    number = made.order_number
    tracking = str(uuid.uuid4().int)[:10]  # ten digits: a DHL Express number

    # 1. the order page: invoice, fraud risk and profit panels
    _open(page, f"/dashboard/orders/{number}/", f"Order #{number}")
    expect(page.locator("#invoices")).to_contain_text(made.invoice_number)
    expect(page.locator("#fraud-risk")).to_contain_text(f"{made.risk_level} · {made.risk_score}")
    expect(page.locator("#order-profit")).to_contain_text("€")
    expect(page.locator("#shipments")).to_contain_text("Nothing shipped yet.")
    _photograph(page, "order", overflows)

    # 2. ship the size S line with DHL
    page.locator("#shipments").get_by_role("link", name="Fulfil").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/fulfilment/orders/{number}/fulfil/$"))
    expect(page.locator("main h1")).to_have_text(f"Ship items of order #{number}")
    _photograph(page, "fulfil", overflows)
    expect(page.locator(f"#id_line_{made.line_small}")).to_have_value("1")
    expect(page.locator(f"#id_line_{made.line_medium}")).to_have_value("2")
    page.locator(f"#id_line_{made.line_medium}").fill("0")
    page.get_by_label("Carrier", exact=True).select_option("dhl")
    page.get_by_label("Tracking number").fill(tracking)
    page.get_by_role("button", name="Mark as shipped").click()

    # back on the order page: the shipment, linked to DHL's tracking page
    expect(page).to_have_url(re.compile(rf"/dashboard/orders/{number}/$"))
    shipment = page.locator("#shipments article.shipment")
    expect(shipment).to_have_count(1)
    expect(shipment).to_contain_text("DHL Express")
    link = shipment.get_by_role("link", name=tracking)
    expect(link).to_have_attribute("href", carrier_tracking_url("dhl", tracking))
    expect(page.locator("#shipments")).to_contain_text("2 units left to ship.")

    # 3. refund 10.00 of it to the card
    page.locator("#returns-panel").get_by_role("link", name="Refund").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/returns/orders/{number}/refund/$"))
    expect(page.locator("main h1")).to_have_text(f"Refund order #{number}")
    _photograph(page, "refund", overflows)
    page.get_by_label("Amount", exact=True).fill("10.00")
    page.get_by_label("Reason", exact=True).fill(f"Scratched zip {made.suffix}")
    page.locator("#refund").get_by_role("button", name="Refund").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/orders/{number}/$"))
    expect(page.locator("#refunds")).to_contain_text("€10.00")
    expect(page.locator("#refunds")).to_contain_text(f"Scratched zip {made.suffix}")
    expect(page.locator("#returns-panel")).to_contain_text(f"€10.00 · Scratched zip {made.suffix}")
    expect(page.locator("#invoices")).to_contain_text("Credit note")
    _photograph(page, "order-after", overflows)

    outcome = off_loop(_after_sale, made)
    assert outcome.fulfilments == [
        ("dhl", tracking, carrier_tracking_url("dhl", tracking), [(made.line_small, 1)])
    ]
    assert outcome.refunded == Decimal("10.00")
    assert outcome.refund_requests == [(Decimal("10.00"), f"Scratched zip {made.suffix}")]
    assert outcome.credit_notes == 1
    assert not overflows, "pages stick out sideways at 375 px:\n" + "\n".join(
        f"- {name}: {found}" for name, found in overflows.items()
    )


LIST_PAGES = (
    # name, path, heading
    ("at-risk", "/dashboard/fulfilment/at-risk/", "At-risk orders"),
    ("profit", "/dashboard/fulfilment/profit/", "Profit"),
    ("purchase-orders", "/dashboard/purchase-orders/", "Supplier orders"),
    ("needs-attention", "/dashboard/purchase-orders/attention/", "Supplier orders that need you"),
    ("fraud", "/dashboard/fraud/", "Fraud review"),
    ("returns", "/dashboard/returns/", "Returns"),
    ("invoices", "/dashboard/invoices/", "Invoices"),
    ("notifications", "/dashboard/notifications/", "Notifications"),
    ("reviews", "/dashboard/reviews/", "Reviews"),
)


def test_the_after_sale_list_pages_answer_and_fit_a_phone(shop, owner_page: Page):  # type: ignore[no-untyped-def]
    made, _keys = shop
    page = owner_page
    overflows: dict[str, str] = {}
    for name, path, heading in LIST_PAGES:
        _open(page, path, heading)
        if name in ("profit", "invoices"):  # the order paid today is on both
            expect(page.locator("main")).to_contain_text(f"#{made.order_number}")
        if name == "invoices":
            expect(page.locator("main")).to_contain_text(made.invoice_number)
        _photograph(page, name, overflows)

    # one email template's editor: the saved preview, then the live one as the subject changes
    page.goto("/dashboard/notifications/")
    page.locator("#templates").get_by_role("link", name="Order shipped", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/notifications/templates/order_shipped/[a-z-]+/$"))
    expect(page.locator("main h1")).to_contain_text("Order shipped")
    # The heading shows before the page's deferred preview script has run; typing before that
    # fires an input event nobody listens to (seen once on a loaded machine).
    page.wait_for_load_state("load")
    subject = page.locator("#preview-subject")
    expect(subject).not_to_be_empty()
    expect(page.locator("#preview-html")).to_have_attribute("srcdoc", re.compile(r"<"))
    expect(page.locator("#preview-error")).to_be_hidden()
    field = page.locator("#id_subject")
    field.fill(f"{field.input_value()} (browser {made.suffix})")
    expect(subject).to_contain_text(f"(browser {made.suffix})")  # previewed, not saved
    expect(page.frame_locator("#preview-html").locator("h1")).to_have_text("Your order is on its way")
    _photograph(page, "notification-editor", overflows)
    # A full-page picture leaves the preview's frame blank below the first screen: the frame alone.
    page.set_viewport_size(PHONE)
    page.locator("#preview-html").screenshot(path=str(SCREENSHOTS / "notification-preview-phone.png"))
    page.set_viewport_size(DESKTOP)

    assert not overflows, "pages stick out sideways at 375 px:\n" + "\n".join(
        f"- {name}: {found}" for name, found in overflows.items()
    )
