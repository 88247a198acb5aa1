"""The shopper's journey in a real chromium, on store alpha's own host.

Browse a collection, search with a typo, open a product, pick a variant, add it to the cart,
change the quantity, switch language and currency, sign up (email verification is mandatory:
the link is read from the locmem outbox) and find the cart kept. And a screenshot of every theme
preset's home page at 375 and 1280 px, written to `.local/artifacts/theme-screenshots/`.

As in tests/test_browser.py, the app runs in a threaded WSGI server in this process, so the
data the pages show is committed: each test creates uniquely named rows in alpha's schema and
removes them (and restores alpha's settings and theme) afterwards. ORM calls run in a helper
thread because Playwright's loop runs in this one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
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
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import off_loop, watched_page
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser

THEME_SCREENSHOTS = Path(django_settings.BASE_DIR) / ".local" / "artifacts" / "theme-screenshots"
WIDTHS = (375, 1280)


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


def _snapshot() -> tuple[Any, int]:
    from django.db.models import Max
    from django.utils import timezone

    from apps.catalog.models import SearchTerm

    with schema_context(_alpha_schema()):
        return timezone.now(), SearchTerm.objects.aggregate(top=Max("pk"))["top"] or 0


def _sweep(since: Any, term_top: int, session_keys: list[str]) -> None:
    """What the pages and services wrote besides the rows a test removes itself: the event log
    (with its deliveries), search terms, sessions."""
    from django.contrib.sessions.models import Session

    from apps.catalog.models import SearchTerm
    from apps.core.models import EventRecord

    with schema_context(_alpha_schema()):
        EventRecord.objects.filter(created_at__gte=since).delete()
        SearchTerm.objects.filter(pk__gt=term_top).delete()
        Session.objects.filter(session_key__in=session_keys).delete()


@pytest.fixture
def session_keys(store_url: str) -> Iterator[list[str]]:
    """Leaves alpha's schema as the test found it: the test adds its contexts' session keys."""
    since, term_top = off_loop(_snapshot)
    keys: list[str] = []
    yield keys
    off_loop(_sweep, since, term_top, keys)


def _close(page: Page, session_keys: list[str]) -> None:
    session_keys += [
        cookie["value"]
        for cookie in page.context.cookies()
        if cookie["name"] == django_settings.SESSION_COOKIE_NAME
    ]
    page.context.close()


def _new_page(browser: Browser, store_url: str, *, width: int, broken: list[str]) -> Page:
    return watched_page(browser, store_url, broken=broken, width=width)


# ------------------------------------------------------------------------------
# the store's data (committed, removed afterwards)
# ------------------------------------------------------------------------------
def _alpha_schema() -> str:
    return Tenant.objects.get(slug="alpha").schema_name


@dataclass(frozen=True)
class Shop:
    suffix: str
    collection_handle: str
    product_handle: str
    product_title: str
    other_title: str
    languages_before: list[str]


def _shop_make(suffix: str) -> Shop:
    from apps.catalog.models import Collection, ProductVariant
    from apps.catalog.services import ProductInput, VariantInput, collection_save, product_create
    from apps.inventory.models import Location, StockLevel
    from apps.stores.exchange_rates import exchange_rate_set
    from apps.stores.models import StoreSettings
    from apps.stores.selectors import store_settings_cache_clear, store_settings_get

    with schema_context(_alpha_schema()):
        hoodie = product_create(
            data=ProductInput(
                title=f"Merino Hoodie {suffix}",
                status="active",
                description="Soft merino wool, knitted in Portugal.",
                variants=tuple(
                    VariantInput(
                        sku=f"HOOD-{suffix}-{size}",
                        price=Decimal("59.00") + index * 5,
                        options=(("Size", size),),
                    )
                    for index, size in enumerate(("S", "M", "L"))
                ),
            )
        )
        scarf = product_create(
            data=ProductInput(
                title=f"Alpaca Scarf {suffix}",
                status="active",
                variants=(VariantInput(sku=f"SCARF-{suffix}", price=Decimal("35.00")),),
            )
        )
        location = Location.objects.create(name=f"Browser warehouse {suffix}", code=f"br-{suffix}")
        StockLevel.objects.bulk_create(
            [
                StockLevel(variant=variant, location=location, on_hand=40)
                for variant in ProductVariant.objects.filter(product__in=[hoodie, scarf])
            ]
        )
        collection = collection_save(
            collection=Collection(),
            title=f"Winter Knits {suffix}",
            kind=Collection.Kind.MANUAL,
            product_ids=[hoodie.pk, scarf.pk],
        )
        row = store_settings_get()
        languages_before = list(row.languages)
        StoreSettings.objects.filter(pk=row.pk).update(languages=sorted({*languages_before, "en", "de"}))
        store_settings_cache_clear()
        exchange_rate_set(currency="USD", rate=Decimal("1.10"))
        return Shop(
            suffix=suffix,
            collection_handle=collection.handle,
            product_handle=hoodie.handle,
            product_title=hoodie.title,
            other_title=scarf.title,
            languages_before=languages_before,
        )


def _shop_remove(shop: Shop, email: str) -> None:
    from apps.accounts.models import User
    from apps.catalog.models import Collection, Product
    from apps.checkout.models import Cart
    from apps.customers.models import Customer
    from apps.inventory.models import Location
    from apps.notifications.models import Delivery
    from apps.stores.exchange_rates import exchange_rate_delete
    from apps.stores.models import StoreSettings
    from apps.stores.selectors import store_settings_cache_clear

    with schema_context(_alpha_schema()):
        Cart.objects.filter(lines__variant__sku__contains=shop.suffix).delete()
        Cart.objects.filter(user__email=email).delete()
        Customer.objects.filter(email=email).delete()  # made for the new account on sign-up
        User.objects.filter(email=email).delete()
        Delivery.objects.filter(to=email).delete()  # the welcome email of the new account
        Product.objects.filter(title__endswith=shop.suffix).delete()
        Collection.objects.filter(handle=shop.collection_handle).delete()
        Location.objects.filter(code=f"br-{shop.suffix}").delete()
        StoreSettings.objects.update(languages=shop.languages_before)
        store_settings_cache_clear()
        exchange_rate_delete(currency="USD")
        cache.clear()
    routing_cache_clear()


def _confirmation_link(email: str, store_url: str) -> str:
    bodies = [str(message.body) for message in mail.outbox if email in message.to]
    links = [link for body in bodies for link in re.findall(r"https?://\S+/accounts/confirm-email/\S+", body)]
    assert len(links) == 1, f"expected one confirmation link for {email} in:\n" + "\n---\n".join(bodies)
    assert links[0].startswith(f"{store_url}/"), links[0]
    return links[0]


# ------------------------------------------------------------------------------
# the journey
# ------------------------------------------------------------------------------
def test_a_shopper_browses_searches_fills_a_cart_and_keeps_it_on_sign_up(
    browser: Browser, store_url: str, session_keys: list[str]
):
    suffix = uuid.uuid4().hex[:6]
    email = f"shopper-{suffix}@example.com"
    shop = off_loop(_shop_make, suffix)
    broken: list[str] = []
    page = _new_page(browser, store_url, width=1280, broken=broken)
    try:
        # 1. a collection lists its products; a card opens its product
        page.goto(f"/collections/{shop.collection_handle}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Winter Knits {suffix}")
        expect(page.get_by_role("link", name=shop.other_title).first).to_be_visible()
        expect(page.get_by_role("link", name=shop.product_title).first).to_be_visible()

        # 2. search with swapped letters still finds the hoodie
        page.locator("#sf-search-q").fill("merion hoddie")
        page.locator("form.sf-search button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/search/\?q=merion\+hoddie"))
        result = page.get_by_role("link", name=shop.product_title).first
        expect(result).to_be_visible()

        # 3. open the product and pick a size
        result.click()
        expect(page).to_have_url(f"{store_url}/products/{shop.product_handle}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(shop.product_title)
        # the picker's script (deferred) has run once the page has loaded: it decides which
        # control shows, so ask only then (is_visible does not wait)
        page.wait_for_load_state("load")
        size_m = page.locator(".sf-variant-picker input[type=radio][value='M']")
        if size_m.is_visible():
            size_m.check(force=True)
        else:  # without script: the plain select
            page.locator("#sf-variant").select_option(index=1)
        expect(page.locator("[data-variant-price]")).to_contain_text("64")

        # 4. add two to the cart, without leaving the page
        page.locator("#sf-quantity").fill("2")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("[data-cart-count]").first).to_have_text("2")

        # 5. in the cart, change the quantity to three
        page.locator("a.sf-cart-link").first.click()
        expect(page).to_have_url(f"{store_url}/cart/")
        quantity = page.locator(".cart-line-quantity input[name=quantity]")
        expect(quantity).to_have_value("2")
        quantity.fill("3")
        quantity.dispatch_event("change")  # the cart's script sends a changed quantity at once
        expect(page.locator("[data-cart-count]").first).to_have_text("3")
        expect(page.locator("[data-cart-subtotal]")).to_contain_text("192")

        # 6. German, then prices shown in US dollars
        page.locator("details.sf-language-switcher summary").click()
        page.locator("details.sf-language-switcher a[hreflang=de]").click()
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page).to_have_url(re.compile(r"/de/cart/$"))
        page.locator(".sf-currency-switcher select[name=currency]").select_option("USD")
        expect(page.locator("[data-cart-subtotal]")).to_contain_text("$")
        expect(page.locator("[data-cart-subtotal]")).to_contain_text("211")  # 192 x 1.10

        # 7. sign up; the emailed link confirms and signs in; the cart is still there
        page.goto("/accounts/signup/")
        page.locator('input[name="email"]').fill(email)
        page.locator('input[name="password1"]').fill(PASSWORD)
        page.locator('input[name="password2"]').fill(PASSWORD)
        page.locator('main button[type="submit"]').click()
        expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
        page.goto(_confirmation_link(email, store_url))
        page.locator('main button[type="submit"]').click()
        expect(page.locator("a[href$='/account/']").first).to_be_visible()
        page.goto("/cart/")
        expect(page.locator(".cart-line-name")).to_contain_text(shop.product_title)
        expect(page.locator(".cart-line-quantity input[name=quantity]")).to_have_value("3")
        expect(page.locator("[data-cart-count]").first).to_have_text("3")
    finally:
        _close(page, session_keys)
        off_loop(_shop_remove, shop, email)
    assert not broken, f"the pages had broken scripts or static files: {broken}"


# ------------------------------------------------------------------------------
# theme screenshots
# ------------------------------------------------------------------------------
def _theme_saved() -> tuple[str, list[Any]]:
    from apps.stores.theme_selectors import store_theme_get

    with schema_context(_alpha_schema()):
        theme = store_theme_get()
        return theme.preset, [block.to_json() for block in theme.blocks]


def _theme_publish(preset: str, blocks: list[Any]) -> None:
    from apps.stores.theme_services import StoreThemeInput, store_theme_save

    with schema_context(_alpha_schema()):
        store_theme_save(data=StoreThemeInput(preset=preset, blocks=blocks))


def _photo(index: int) -> Any:
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 800), (60 + index * 23 % 160, 110, 150 + index * 11 % 90))
    ImageDraw.Draw(image).ellipse((200, 200, 600, 600), fill=(236, 228, 214))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=f"photo-{index}.jpg")


def _showcase_make(suffix: str) -> list[int]:
    """Eight products with a photo and a category, so the home page's product and category
    blocks have something to show; stocked as a live store is, all but the last (the Vest),
    which shows the sold-out badge."""
    from apps.catalog.models import Category
    from apps.catalog.services import (
        ProductInput,
        VariantInput,
        category_save,
        product_create,
        product_image_add,
    )
    from apps.inventory.services import stock_set
    from apps.inventory.tests.factories import location_make

    with schema_context(_alpha_schema()):
        warehouse = location_make(code=f"show-{suffix}")
        category = category_save(category=Category(), name=f"Knitwear {suffix}", parent=None)
        ids = []
        for index, name in enumerate(
            ("Cardigan", "Beanie", "Scarf", "Sweater", "Mittens", "Poncho", "Socks", "Vest")
        ):
            product = product_create(
                data=ProductInput(
                    title=f"Wool {name} {suffix}",
                    status="active",
                    category_id=category.pk,
                    variants=(
                        VariantInput(sku=f"SHOW-{suffix}-{index}", price=Decimal("25.00") + index * 4),
                    ),
                )
            )
            product_image_add(product=product, upload=_photo(index), alt=product.title)
            stock_set(
                variant=product.variants.get(),
                location=warehouse,
                on_hand=0 if name == "Vest" else 12,
                reason="Showcase",
            )
            ids.append(product.pk)
        return ids


def _showcase_remove(suffix: str, product_ids: list[int]) -> None:
    from apps.catalog.models import Category
    from apps.catalog.services import products_bulk_delete
    from apps.inventory.models import Location

    with schema_context(_alpha_schema()):
        products_bulk_delete(product_ids=product_ids)
        Category.objects.filter(name=f"Knitwear {suffix}").delete()
        Location.objects.filter(code=f"show-{suffix}").delete()


def _preset_primaries() -> dict[str, str]:
    from apps.stores.themes import PRESETS

    return {key: str(preset.tokens.colors["primary"]).lower() for key, preset in PRESETS.items()}


def test_every_theme_preset_home_page_is_photographed_at_phone_and_desktop_widths(
    browser: Browser, store_url: str, session_keys: list[str]
):
    presets = off_loop(_preset_primaries)
    assert len(presets) == 11, list(presets)
    preset_before, blocks = off_loop(_theme_saved)
    suffix = uuid.uuid4().hex[:6]
    product_ids = off_loop(_showcase_make, suffix)
    THEME_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    broken: list[str] = []
    written: list[Path] = []
    pages = {width: _new_page(browser, store_url, width=width, broken=broken) for width in WIDTHS}
    try:
        for preset, primary in presets.items():
            off_loop(_theme_publish, preset, blocks)
            for width, page in pages.items():
                page.goto("/")
                expect(page.get_by_role("link", name=f"Wool Cardigan {suffix}").first).to_be_visible()
                # the stocked seven sell, the Vest alone is sold out
                assert page.locator(".sf-product-card", has_text="Sold out").count() == 1
                shown = page.evaluate(
                    "getComputedStyle(document.documentElement).getPropertyValue('--sf-primary').trim()"
                )
                assert shown.lower() == primary, f"{preset}: --sf-primary is {shown}, not {primary}"
                # no sideways scrolling at either width
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{preset} at {width}px scrolls sideways by {overflow}px"
                # lazy images below the fold would be blank in a full-page picture
                page.evaluate(
                    "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
                )
                page.wait_for_function("Array.from(document.images).every(i => i.complete)")
                path = THEME_SCREENSHOTS / f"{preset}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
    finally:
        for page in pages.values():
            _close(page, session_keys)
        off_loop(_theme_publish, preset_before, blocks)
        off_loop(_showcase_remove, suffix, product_ids)
    assert len(written) == 2 * len(presets)
    assert all(path.stat().st_size > 5_000 for path in written)
    assert not broken, f"the pages had broken scripts or static files: {broken}"
