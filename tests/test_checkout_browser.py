"""Buying in a real chromium, on store alpha's own host: a guest with a discount code and a gift
card, a signed-in shopper, a card that needs 3-D Secure through the dummy authentication page,
and a card payment through Stripe's Payment Element against the local fake Stripe (its fake
Stripe.js, served at STRIPE_JS_URL). Each ends on the confirmation page, and the database says
the order is paid, the stock went down and the gift card was spent.

As in tests/test_storefront_browser.py, the app runs in a threaded WSGI server in this process,
so the data the pages show is committed: each test creates uniquely named rows in alpha's schema
and removes them (and restores alpha's payment settings) afterwards. ORM calls run in a helper
thread because Playwright's loop runs in this one.
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
from apps.payments.testing.fixtures import fake_stripe  # noqa: F401 (a fixture)
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import off_loop, watched_page
from tests.fixtures import PASSWORD, committed_orders_remove, store_counters, store_counters_restore

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(django_settings.BASE_DIR) / ".local" / "artifacts" / "checkout-screenshots"

CARD_SUCCEEDS = "4242 4242 4242 4242"
CARD_AUTHENTICATION = "4000 0025 0000 3155"


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


def _alpha_schema() -> str:
    return Tenant.objects.get(slug="alpha").schema_name


# ------------------------------------------------------------------------------
# the store's data (committed, removed afterwards)
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shop:
    suffix: str
    product_handle: str
    product_title: str
    variant_id: int
    discount_code: str
    gift_card_code: str
    payment_settings: dict[str, Any]
    tax_rate_id: int | None  # the DE rate this test added (None: the store had one)
    since: Any
    # The store's order and invoice counters before the test: put back afterwards, so the
    # orders this test commits leave no trace in the numbers later tests expect (#1001 ...).
    counters: dict[str, int | None] = field(default_factory=dict)


PAYMENT_FIELDS = (
    "dummy_enabled",
    "bank_transfer_enabled",
    "bank_transfer_instructions",
    "stripe_enabled",
    "stripe_account_id",
    "stripe_charges_enabled",
    "stripe_payouts_enabled",
    "stripe_details_submitted",
    "stripe_onboarding_status",
)


def _shop_make(suffix: str) -> Shop:
    from django.utils import timezone

    from apps.catalog.services import ProductInput, VariantInput, product_create
    from apps.checkout.models import Discount, ShippingRate, ShippingZone, TaxRate
    from apps.checkout.services import gift_card_issue
    from apps.inventory.models import Location, StockLevel
    from apps.payments.models import PAYMENT_SETTINGS_PK, PaymentSettings
    from apps.payments.selectors import payment_settings_get

    with schema_context(_alpha_schema()):
        since = timezone.now()
        counters = store_counters()
        product = product_create(
            data=ProductInput(
                title=f"Canvas Tote {suffix}",
                status="active",
                variants=(VariantInput(sku=f"TOTE-{suffix}", price=Decimal("40.00")),),
            )
        )
        variant = product.variants.get()
        location = Location.objects.create(name=f"Checkout warehouse {suffix}", code=f"co-{suffix}")
        StockLevel.objects.create(variant=variant, location=location, on_hand=20)
        zone = ShippingZone.objects.create(name=f"Germany {suffix}", countries=["DE"])
        ShippingRate.objects.create(zone=zone, name=f"Standard {suffix}", amount=Decimal("5.00"))
        tax = None
        if not TaxRate.objects.filter(country="DE", region="", postal_code_prefix="").exists():
            tax = TaxRate.objects.create(country="DE", rate=Decimal("0.19"), name="VAT")
        Discount.objects.create(
            code=f"TEN{suffix}".upper(), name=f"Ten {suffix}", kind="percentage", value=Decimal("10")
        )
        card = gift_card_issue(amount=Decimal("20.00"), code=f"GIFT-{suffix}".upper(), currency="EUR")
        row = payment_settings_get()
        before = {name: getattr(row, name) for name in PAYMENT_FIELDS}
        PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(dummy_enabled=True)
        return Shop(
            suffix=suffix,
            product_handle=product.handle,
            product_title=product.title,
            variant_id=variant.pk,
            discount_code=f"TEN{suffix}".upper(),
            gift_card_code=card.code,
            payment_settings=before,
            tax_rate_id=tax.pk if tax is not None else None,
            since=since,
            counters=counters,
        )


def _shop_remove(shop: Shop, emails: list[str]) -> None:
    from django.contrib.sessions.models import Session  # noqa: F401 (sessions are swept by key)

    from apps.accounts.models import User
    from apps.catalog.models import Product
    from apps.checkout.models import Cart, Discount, DiscountRedemption, GiftCard, ShippingZone, TaxRate
    from apps.core.models import EventRecord
    from apps.customers.models import Customer
    from apps.inventory.models import Location
    from apps.notifications.models import Delivery
    from apps.orders.models import Order
    from apps.payments.models import PAYMENT_SETTINGS_PK, DummyPayment, PaymentSettings
    from apps.payments.platform.models import ConnectedAccountRoute

    with schema_context(_alpha_schema()):
        orders = Order.objects.filter(lines__sku=f"TOTE-{shop.suffix}")
        references = [str(order.uuid) for order in orders]
        DummyPayment.objects.filter(reference__in=references).delete()
        committed_orders_remove(list(orders.values_list("pk", flat=True)))
        DiscountRedemption.objects.filter(discount__code=shop.discount_code).delete()
        Discount.objects.filter(code=shop.discount_code).delete()
        GiftCard.objects.filter(code=shop.gift_card_code).delete()
        Cart.objects.filter(lines__variant_id=shop.variant_id).delete()
        Cart.objects.filter(user__email__in=emails).delete()
        Customer.objects.filter(email__in=emails).delete()
        User.objects.filter(email__in=emails).delete()
        Product.objects.filter(title__endswith=shop.suffix).delete()
        Location.objects.filter(code=f"co-{shop.suffix}").delete()
        ShippingZone.objects.filter(name=f"Germany {shop.suffix}").delete()
        if shop.tax_rate_id is not None:
            TaxRate.objects.filter(pk=shop.tax_rate_id).delete()
        account = PaymentSettings.objects.get(pk=PAYMENT_SETTINGS_PK).stripe_account_id
        PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(**shop.payment_settings)
        EventRecord.objects.filter(created_at__gte=shop.since).delete()
        Delivery.objects.filter(created_at__gte=shop.since).delete()  # welcome, gift card emails
        store_counters_restore(shop.counters)
        cache.clear()
    if account and account != shop.payment_settings["stripe_account_id"]:
        ConnectedAccountRoute.objects.filter(account_id=account).delete()
    routing_cache_clear()


def _shopper_make(email: str) -> None:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User

    with schema_context(_alpha_schema()):
        user = User.objects.create_user(email, PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)


def _stripe_connect(fake: Any) -> None:
    from apps.payments.tests.factories import stripe_connected

    with schema_context(_alpha_schema()):
        stripe_connected(fake)


@dataclass(frozen=True)
class Outcome:
    status: str
    number: int
    total: Decimal
    amount_paid: Decimal
    gift_card_total: Decimal
    discount_total: Decimal
    user_email: str
    on_hand: int
    reserved: int
    gift_card_balance: Decimal
    discount_used: int


def _outcome(shop: Shop, email: str) -> Outcome:
    from django.db.models import Sum

    from apps.checkout.models import Discount, GiftCard
    from apps.inventory.models import StockLevel
    from apps.orders.models import Order

    with schema_context(_alpha_schema()):
        [order] = Order.objects.filter(lines__sku=f"TOTE-{shop.suffix}", email=email).select_related("user")
        stock = StockLevel.objects.filter(variant_id=shop.variant_id).aggregate(
            on_hand=Sum("on_hand"), reserved=Sum("reserved")
        )
        return Outcome(
            status=order.status,
            number=order.number,
            total=order.total,
            amount_paid=order.amount_paid,
            gift_card_total=order.gift_card_total,
            discount_total=order.discount_total,
            user_email=order.user.email if order.user is not None else "",
            on_hand=int(stock["on_hand"]),
            reserved=int(stock["reserved"]),
            gift_card_balance=GiftCard.objects.get(code=shop.gift_card_code).balance,
            discount_used=Discount.objects.get(code=shop.discount_code).times_used,
        )


@pytest.fixture
def shop(store_url: str) -> Iterator[tuple[Shop, list[str]]]:
    suffix = uuid.uuid4().hex[:6]
    made = off_loop(_shop_make, suffix)
    emails: list[str] = []
    yield made, emails
    off_loop(_shop_remove, made, emails)


@pytest.fixture
def page_of(browser: Browser, store_url: str) -> Iterator[Any]:
    """`page_of()` opens a fresh browser context on store alpha; every page's script errors and
    failed static files are collected and must be none; sessions are removed afterwards."""
    pages: list[Page] = []
    broken: list[str] = []

    def make() -> Page:
        page = watched_page(browser, store_url, broken=broken, csp=True)
        pages.append(page)
        return page

    yield make
    keys = []
    for page in pages:
        keys += [
            c["value"] for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
        ]
        page.context.close()
    off_loop(_sessions_remove, keys)
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


def _sessions_remove(keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    with schema_context(_alpha_schema()):
        Session.objects.filter(session_key__in=keys).delete()


# ------------------------------------------------------------------------------
# the steps, as a shopper clicks through them
# ------------------------------------------------------------------------------
def _add_to_cart(page: Page, shop: Shop, quantity: int = 2) -> None:
    page.goto(f"/products/{shop.product_handle}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(shop.product_title)
    page.locator("#sf-quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]").first).to_have_text(str(quantity))
    page.goto("/cart/")
    page.get_by_role("link", name="Checkout").click()


def _fill_address(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Shipping address")
    page.locator("#id_shipping-name").fill("Erika Mustermann")
    page.locator("#id_shipping-line1").fill("Unter den Linden 1")
    page.locator("#id_shipping-city").fill("Berlin")
    page.locator("#id_shipping-postal_code").fill("10117")
    page.locator("#id_shipping-country").select_option("DE")
    expect(page.locator("[data-billing-address]")).to_be_hidden()  # "same as shipping" is ticked
    page.get_by_role("button", name="Continue to shipping").click()


def _choose_shipping(page: Page, shop: Shop) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Shipping method")
    page.get_by_label(re.compile(f"Standard {shop.suffix}")).check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")


def _pay_by_test_card(page: Page, card: str) -> None:
    page.get_by_label("Test card (no real payment)").check()
    expect(page.locator('[data-method-panel="bank_transfer"]')).to_have_count(0)
    page.locator("#card-number-dummy").fill(card)
    page.get_by_role("button", name="Place order and pay").click()


def _screenshot(page: Page, name: str) -> None:
    """A picture of the page for a reviewer (a test artefact, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits_a_phone(page: Page, name: str) -> None:
    """At 375 px wide the page scrolls only down: nothing sticks out sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 812})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        _screenshot(page, name)
    finally:
        if size is not None:
            page.set_viewport_size(size)


def _confirmed(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/checkout/complete/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    expect(page.locator("#order-status")).to_have_text("Paid")
    return page.locator("#order-number").inner_text()


# ------------------------------------------------------------------------------
# the purchases
# ------------------------------------------------------------------------------
def test_a_guest_buys_with_a_discount_code_and_a_gift_card(shop, page_of):  # type: ignore[no-untyped-def]
    made, emails = shop
    email = f"guest-{made.suffix}@example.com"
    emails.append(email)
    page = page_of()

    _add_to_cart(page, made, quantity=2)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue to address").click()
    _fill_address(page)
    _choose_shipping(page, made)

    # 2 x 40.00 = 80.00, 10 % off = 72.00, + 5.00 shipping = 77.00, + 19 % = 91.63
    page.locator("#checkout-code").fill(made.discount_code.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page.locator('[data-total="discount"]')).to_have_text("−€8.00")
    page.locator("#checkout-code").fill(made.gift_card_code)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator('[data-total="gift-card"]')).to_have_text("−€20.00")
    expect(page.locator("#checkout-totals [data-total='total']")).to_have_text("€91.63")
    expect(page.locator('[data-total="amount-due"]')).to_have_text("€71.63")
    _screenshot(page, "payment-step")
    _fits_a_phone(page, "payment-step-phone")
    _pay_by_test_card(page, CARD_SUCCEEDS)

    number = _confirmed(page)
    _screenshot(page, "confirmation")
    _fits_a_phone(page, "confirmation-phone")
    outcome = off_loop(_outcome, made, email)
    assert number == f"Order #{outcome.number}"
    assert outcome.status == "paid" and outcome.total == Decimal("91.63")
    assert outcome.discount_total == Decimal("8.00") and outcome.discount_used == 1
    assert outcome.gift_card_total == Decimal("20.00") and outcome.gift_card_balance == Decimal("0.00")
    assert outcome.amount_paid == Decimal("71.63")
    assert (outcome.on_hand, outcome.reserved) == (18, 0)
    # the signed status link works in another browser
    status_url = page.locator("#order-status-link").get_attribute("href")
    other = page_of()
    other.goto(status_url or "")
    expect(other.get_by_role("heading", level=1)).to_have_text(f"Order #{outcome.number}")


def test_a_signed_in_shopper_buys_and_finds_the_order_in_the_account(shop, page_of):  # type: ignore[no-untyped-def]
    made, emails = shop
    email = f"member-{made.suffix}@example.com"
    emails.append(email)
    off_loop(_shopper_make, email)
    page = page_of()

    page.goto("/accounts/login/")
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main button[type="submit"]').click()
    expect(page.locator("a[href$='/account/']").first).to_be_visible()
    _add_to_cart(page, made, quantity=1)
    _fill_address(page)  # the contact is the account's email
    _choose_shipping(page, made)
    _pay_by_test_card(page, CARD_SUCCEEDS)

    number = _confirmed(page)
    outcome = off_loop(_outcome, made, email)
    assert outcome.status == "paid" and outcome.user_email == email
    assert (outcome.on_hand, outcome.reserved) == (19, 0)
    assert outcome.total == Decimal("53.55")  # (40 + 5) x 1.19
    page.get_by_role("link", name="Your orders").click()
    expect(page.locator(f"#order-{outcome.number}")).to_contain_text(number)


def test_a_card_that_needs_3d_secure_is_approved_on_the_authentication_page(shop, page_of):  # type: ignore[no-untyped-def]
    made, emails = shop
    email = f"secure-{made.suffix}@example.com"
    emails.append(email)
    page = page_of()

    _add_to_cart(page, made, quantity=1)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue to address").click()
    _fill_address(page)
    _choose_shipping(page, made)
    _pay_by_test_card(page, CARD_AUTHENTICATION)

    expect(page).to_have_url(re.compile(r"/payments/dummy/authenticate/[^/]+/$"))
    assert off_loop(_outcome, made, email).reserved == 1  # held while the shopper authenticates
    page.get_by_role("button", name=re.compile("Approve")).click()

    _confirmed(page)
    outcome = off_loop(_outcome, made, email)
    assert outcome.status == "paid" and outcome.amount_paid == Decimal("53.55")
    assert (outcome.on_hand, outcome.reserved) == (19, 0)


def test_a_card_payment_through_stripes_payment_element_against_the_fake(shop, page_of, fake_stripe):  # type: ignore[no-untyped-def]  # noqa: F811
    made, emails = shop
    email = f"stripe-{made.suffix}@example.com"
    emails.append(email)
    off_loop(_stripe_connect, fake_stripe)
    page = page_of()

    _add_to_cart(page, made, quantity=1)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue to address").click()
    _fill_address(page)
    _choose_shipping(page, made)
    page.get_by_label("Card", exact=True).check()
    page.get_by_role("button", name="Place order and pay").click()

    # the card page mounts the (fake) Payment Element from the fake's Stripe.js
    expect(page).to_have_url(re.compile(r"/checkout/[0-9a-f-]{36}/card/$"))
    card = page.locator("[data-fake-stripe=card-number]")
    expect(card).to_be_visible()
    card.fill(CARD_SUCCEEDS)
    _screenshot(page, "stripe-card-page")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    _confirmed(page)
    outcome = off_loop(_outcome, made, email)
    assert outcome.status == "paid" and outcome.amount_paid == Decimal("53.55")
    assert (outcome.on_hand, outcome.reserved) == (19, 0)
    [intent] = fake_stripe.payment_intents.values()
    assert intent["status"] == "succeeded" and intent["amount"] == 5355
