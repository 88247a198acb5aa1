"""The home page: the theme's blocks in order, bad stored blocks skipped, text escaped, the
newsletter form, isolation between stores, and the pinned query count."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.models import Category, Collection, CollectionProduct, Product, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_image_add, product_update
from apps.catalog.tests.factories import make_product, png_upload
from apps.core.models import EventRecord
from apps.storefront.caching import catalog_version_bump
from apps.stores.models import NewsletterSubscriber, StoreTheme
from apps.stores.newsletter import NEWSLETTER_CONFIRMATION_REQUESTED, NEWSLETTER_SUBSCRIBED
from apps.stores.tests.factories import settings_change
from apps.stores.theme_selectors import store_theme_get
from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _publish(
    world: StoreWorld, blocks: list[dict], preset: str = "frosted", tokens: dict | None = None
) -> None:
    with _in(world):
        store_theme_save(data=StoreThemeInput(preset=preset, tokens=tokens or {}, blocks=blocks))
    cache.clear()


def _html(world: StoreWorld, path: str = "/") -> str:
    response = store_client(world).get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_store_home_page_shows_the_default_blocks(alpha):
    with _in(alpha):
        StoreTheme.objects.all().delete()
        make_product("Linen Shirt", price="20.00")
        Category.objects.create(name="Shirts", slug="shirts", path="shirts")
    cache.clear()

    html = _html(alpha)

    assert '<h1 class="sf-hero-title">Store Alpha</h1>' in html
    assert (
        html.index('id="block-hero"')
        < html.index('id="block-featured"')
        < html.index('id="block-categories"')
    )
    assert (
        html.index('id="block-categories"')
        < html.index('id="block-trust"')
        < html.index('id="block-newsletter"')
    )
    assert "Linen Shirt" in html and 'href="/products/linen-shirt/"' in html
    assert 'href="/categories/shirts/"' in html
    assert 'action="/newsletter/"' in html


def test_the_default_home_page_speaks_each_language_the_store_enables(alpha):
    with _in(alpha):
        StoreTheme.objects.all().delete()
        settings_change(languages=["en", "de", "es"], default_language="en")
        make_product("Linen Shirt", price="20.00")  # a featured products block shows only with products
    cache.clear()

    english, german, spanish = _html(alpha), _html(alpha, "/de/"), _html(alpha, "/es/")
    assert "Shop now" in english and "New arrivals" in english and "Stay in the loop" in english
    assert "Jetzt einkaufen" in german and "Neuheiten" in german and "Sichere Kasse" in german
    assert "Shop now" not in german and "Secure checkout" not in german
    assert "Comprar ahora" in spanish and "Pago seguro" in spanish
    # the store's name is the same everywhere; the hero's link too
    for page in (english, german, spanish):
        assert '<h1 class="sf-hero-title">Store Alpha</h1>' in page and 'href="#block-featured"' in page


def test_blocks_render_in_the_stored_order_with_their_content(alpha):
    with _in(alpha):
        mug = make_product("Blue Mug", price="9.50")
        make_product("Red Mug", price="8.00")
        collection = Collection.objects.create(title="Mugs", handle="mugs")
        CollectionProduct.objects.create(collection=collection, product=mug, position=0)
    _publish(
        alpha,
        [
            {"id": "news", "type": "newsletter", "data": {"heading": "Join the club"}},
            {
                "id": "txt",
                "type": "custom_text",
                "data": {"heading": "About us", "html": "<p>Hand made.</p>"},
            },
            {
                "id": "fav",
                "type": "featured_products",
                "data": {"heading": "Mugs we love", "collection": "mugs"},
            },
            {
                "id": "rev",
                "type": "reviews",
                "data": {"items": [{"author": "Bo", "rating": 4, "text": "Great"}]},
            },
            {
                "id": "vid",
                "type": "video_banner",
                "data": {"video_url": "/media/a.mp4", "poster_url": "/media/a.jpg"},
            },
            {"id": "img", "type": "image_banner", "data": {"image_url": "/media/b.jpg", "alt": "Shelf"}},
            {"id": "gap", "type": "spacer", "data": {"size": "large"}},
            {"id": "say", "type": "testimonials", "data": {"items": [{"quote": "Lovely", "author": "Ana"}]}},
            {"id": "car", "type": "product_carousel", "data": {"heading": "All mugs"}},
            {"id": "trust", "type": "trust_badges", "data": {"items": [{"icon": "eco", "title": "Green"}]}},
        ],
    )

    html = _html(alpha)

    order = [
        html.index(f'id="block-{key}"')
        for key in ("news", "txt", "fav", "rev", "vid", "img", "say", "car", "trust")
    ]
    assert order == sorted(order)
    assert '<h1 class="sf-visually-hidden">Store Alpha</h1>' in html  # no hero first: a hidden h1
    assert "<p>Hand made.</p>" in html
    featured = html[html.index('id="block-fav"') : html.index('id="block-rev"')]
    assert "Blue Mug" in featured and "Red Mug" not in featured  # only the collection's products
    carousel = html[html.index('id="block-car"') : html.index('id="block-trust"')]
    assert "Blue Mug" in carousel and "Red Mug" in carousel  # no collection: the newest products
    assert 'aria-label="Rated 4 out of 5"' in html and "★★★★☆" in html
    assert '<video controls playsinline preload="none" poster="/media/a.jpg"' in html
    assert "<iframe" not in html
    assert 'class="sf-spacer sf-spacer-large"' in html


def test_product_cards_show_price_image_with_dimensions_and_sold_out_state(alpha):
    with _in(alpha):
        shirt = make_product("Linen Shirt", variants=2, price="20.00")
        product_image_add(product=shirt, upload=png_upload(size=(800, 600)), alt="Shirt on a hanger")
        draft = make_product("Secret Draft", status=Product.Status.DRAFT)
    html = _html(alpha)
    assert "From" in html and "20.00" in html
    assert re.search(
        r'<img class="sf-product-image" src="[^"]+" alt="Shirt on a hanger" width="400" height="300"', html
    )
    assert draft.title not in html


def test_a_home_card_is_sold_out_exactly_when_its_listing_card_and_page_say_so(alpha):
    from apps.inventory.models import StockLevel
    from apps.inventory.tests.factories import location_make

    with _in(alpha):
        warehouse = location_make(code="main")
        stocked = make_product("Stocked Lamp")
        StockLevel.objects.create(variant=stocked.variants.get(), location=warehouse, on_hand=3)
        make_product("Unstocked Lamp")  # stocked nowhere: nothing to sell

    def badges(html: str) -> dict[str, bool]:
        cards = re.findall(r'<article class="sf-card sf-product-card">(.*?)</article>', html, re.S)
        cards += re.findall(r'<li class="sf-card[^"]*"[^>]*>(.*?)</li>', html, re.S)
        return {
            title: "Sold out" in card
            for card in cards
            for title in ("Stocked Lamp", "Unstocked Lamp")
            if title in card
        }

    assert badges(_html(alpha)) == {"Stocked Lamp": False, "Unstocked Lamp": True}
    assert badges(_html(alpha, "/collections/all/")) == {"Stocked Lamp": False, "Unstocked Lamp": True}


def test_a_block_with_invalid_stored_data_is_skipped_and_logged_not_a_500(alpha, caplog):
    with _in(alpha):
        store_theme_get()
        StoreTheme.objects.update(
            blocks=[
                {"id": "ok", "type": "custom_text", "data": {"heading": "Still here"}},
                {
                    "id": "broken",
                    "type": "countdown_timer",
                    "data": {"heading": "Sale", "ends_at": "next week"},
                },
                {"id": "worse", "type": "hero_banner", "data": None},
                {"type": "featured_products", "data": {"limit": "lots"}},
                17,
            ]
        )
    cache.clear()
    with caplog.at_level(logging.WARNING, logger="apps.stores.theme_selectors"):
        html = _html(alpha)
    assert "Still here" in html
    assert 'id="block-broken"' not in html and 'id="block-worse"' not in html
    assert "blocks[1].data.ends_at" in caplog.text and "invalid_datetime" in caplog.text
    assert "blocks[4]" in caplog.text


def test_a_block_whose_catalog_read_fails_is_left_out(alpha, caplog):
    with _in(alpha):
        make_product("Blue Mug")
        # A collection whose rules were written straight to the table and no longer parse.
        Collection.objects.create(
            title="Broken",
            handle="broken",
            kind="rules",
            rules=[{"field": "price", "op": "gt", "value": "cheap"}],
        )
    _publish(
        alpha,
        [
            {"id": "bad", "type": "featured_products", "data": {"collection": "broken"}},
            {"id": "good", "type": "custom_text", "data": {"heading": "Fine"}},
        ],
    )
    with caplog.at_level(logging.ERROR, logger="apps.storefront.views.home"):
        html = _html(alpha)
    assert "Fine" in html and 'id="block-bad"' not in html
    assert "home block bad (featured_products) left out" in caplog.text


def test_script_in_block_content_is_escaped_or_sanitised(alpha):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _publish(
        alpha,
        [
            {
                "id": "h",
                "type": "hero_banner",
                "data": {
                    "heading": attack,
                    "subheading": attack,
                    "button_label": "<script>x</script>",
                    "button_url": "/x",
                },
            },
            {
                "id": "t",
                "type": "custom_text",
                "data": {"heading": attack, "html": f'<p>ok</p>{attack}<a href="javascript:alert(1)">x</a>'},
            },
            {"id": "q", "type": "testimonials", "data": {"items": [{"quote": attack, "author": attack}]}},
            {"id": "n", "type": "newsletter", "data": {"heading": attack, "text": attack}},
        ],
    )
    with _in(alpha):
        StoreTheme.objects.update(
            blocks=[
                *StoreTheme.objects.get().blocks,
                {
                    "id": "raw",
                    "type": "custom_text",
                    "data": {"html": '<p>raw</p><script>alert(2)</script><b onclick="x()">b</b>'},
                },
            ]
        )
    cache.clear()

    html = _html(alpha)

    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html and 'onclick="x()"' not in html
    assert "javascript:alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<p>raw</p>" in html  # written straight to the row, still sanitised on the way out


def test_countdown_shows_the_end_date_without_script_and_the_ended_text_after(alpha):
    _publish(
        alpha,
        [
            {
                "id": "soon",
                "type": "countdown_timer",
                "data": {"heading": "Sale", "ends_at": "2099-01-01T12:00:00+00:00"},
            },
            {
                "id": "past",
                "type": "countdown_timer",
                "data": {
                    "heading": "Old sale",
                    "ends_at": "2001-01-01T12:00:00+00:00",
                    "ended_text": "Missed it",
                },
            },
        ],
    )
    html = _html(alpha)
    soon = html[html.index('id="block-soon"') : html.index('id="block-past"')]
    assert (
        '<time datetime="2099-01-01T12:00:00+00:00">' in soon
        and 'data-countdown="2099-01-01T12:00:00+00:00"' in soon
    )
    past = html[html.index('id="block-past"') :]
    assert "Missed it" in past and "data-countdown=" not in past
    assert "js/storefront-home.js" in html


def test_the_theme_tokens_reach_the_page_and_only_the_body_font_is_preloaded(alpha):
    _publish(alpha, [{"type": "spacer"}], preset="luxe", tokens={"radius": 6})
    html = _html(alpha)
    assert "--sf-background:#120f0b;" in html and "--sf-radius:6px;" in html
    assert 'class="storefront sf-card-flat sf-btn-square' in html
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font"', html)
    assert preloads == ["/static/fonts/lora/lora-latin-400-normal.woff2"]
    assert html.count("font-display:swap") == 4  # two families, two weights
    assert "fonts.googleapis" not in html and "https://" not in html.split("</head>")[0].split("<style>")[1]


def test_alpha_theme_and_blocks_never_reach_beta(alpha, beta):
    _publish(
        alpha,
        [{"id": "only", "type": "custom_text", "data": {"heading": "Alpha's secret"}}],
        preset="cyberpunk",
    )
    with _in(alpha):
        make_product("Alpha Only Product")
    html = _html(beta)
    assert "Alpha's secret" not in html and "Alpha Only Product" not in html
    assert "--sf-background:#0d0221;" not in html  # cyberpunk's page colour


# ------------------------------------------------------------------------------
# newsletter
# ------------------------------------------------------------------------------
def test_newsletter_sign_up_keeps_the_address_pending_once_and_asks_to_confirm(alpha):
    client = store_client(alpha)
    response = client.post("/newsletter/", {"email": "Ana@Example.com"}, follow=True)
    assert response.status_code == 200
    assert "we sent you a link to confirm your subscription" in response.content.decode()
    again = client.post("/newsletter/", {"email": "ana@example.com"})
    assert again.status_code == 302
    with _in(alpha):
        assert list(NewsletterSubscriber.objects.values_list("email", "language", "source", "status")) == [
            ("ana@example.com", "en", "home", NewsletterSubscriber.Status.PENDING)
        ]
        # double opt-in: one confirmation asked for (the second sign-up came too soon for another),
        # and nobody is subscribed before opening the link (apps/stores/tests/test_newsletter.py)
        assert EventRecord.objects.filter(name=NEWSLETTER_CONFIRMATION_REQUESTED).count() == 1
        assert not EventRecord.objects.filter(name=NEWSLETTER_SUBSCRIBED).exists()


def test_newsletter_sign_up_in_german_redirects_to_the_german_home(alpha):
    response = store_client(alpha).post("/de/newsletter/", {"email": "bo@example.com"})
    assert response.status_code == 302 and response["Location"] == "/de/"
    with _in(alpha):
        assert NewsletterSubscriber.objects.get().language == "de"


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.com", "<script>@x.com"])
def test_a_bad_newsletter_address_is_refused_next_to_the_field(alpha, email):
    response = store_client(alpha).post("/newsletter/", {"email": email})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'class="sf-field-error"' in html
    assert "<script>@x.com" not in html
    with _in(alpha):
        assert not NewsletterSubscriber.objects.exists()


def test_a_bot_filling_the_hidden_field_is_thanked_and_ignored(alpha):
    response = store_client(alpha).post(
        "/newsletter/", {"email": "bot@example.com", "website": "http://spam"}
    )
    assert response.status_code == 302
    with _in(alpha):
        assert not NewsletterSubscriber.objects.exists()


def test_newsletter_needs_csrf_and_post(alpha):
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    assert client.post("/newsletter/", {"email": "a@example.com"}).status_code == 403
    assert store_client(alpha).get("/newsletter/").status_code == 405
    with _in(alpha):
        assert not NewsletterSubscriber.objects.exists()


def test_newsletter_sign_ups_are_rate_limited_per_address_and_store(alpha, beta, settings):
    settings.STOREFRONT_NEWSLETTER_RATE_PER_HOUR = 2
    client = store_client(alpha)
    assert [client.post("/newsletter/", {"email": f"n{i}@example.com"}).status_code for i in range(3)] == [
        302,
        302,
        429,
    ]
    assert "Too many sign-ups" in client.post("/newsletter/", {"email": "n9@example.com"}).content.decode()
    with _in(alpha):
        assert NewsletterSubscriber.objects.count() == 2
    # another store counts its own
    assert store_client(beta).post("/newsletter/", {"email": "n1@example.com"}).status_code == 302


def test_newsletter_subscribers_stay_in_their_store(alpha, beta):
    store_client(alpha).post("/newsletter/", {"email": "only-alpha@example.com"})
    with _in(beta):
        assert not NewsletterSubscriber.objects.filter(email="only-alpha@example.com").exists()


# ------------------------------------------------------------------------------
# query count
# ------------------------------------------------------------------------------
def _bulk_products(count: int, start: int) -> None:
    products = Product.objects.bulk_create(
        Product(title=f"Bulk {i}", handle=f"bulk-{i}", status=Product.Status.ACTIVE)
        for i in range(start, start + count)
    )
    ProductVariant.objects.bulk_create(
        ProductVariant(product=product, sku=f"BULK-{product.handle}", price=Decimal("5.00"))
        for product in products
    )


def _home_queries(client: Client, world: StoreWorld, *, fresh: bool) -> int:
    if fresh:
        with _in(world):
            catalog_version_bump()  # retire the cached block fragments: count a rendered page
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


def test_home_page_query_count_is_pinned_and_does_not_grow_with_the_catalog(alpha):
    with _in(alpha):
        store_theme_get()  # the default home page: hero, featured, categories, trust, newsletter
        Category.objects.create(name="Shirts", slug="shirts", path="shirts")
        _bulk_products(10, 0)
    client = store_client(alpha)
    client.get("/")  # warm the caches (settings, theme, primary domain, fragments)
    rendered_at_ten = _home_queries(client, alpha, fresh=True)
    cached_at_ten = _home_queries(client, alpha, fresh=False)
    with _in(alpha):
        _bulk_products(990, 10)
    rendered_at_thousand = _home_queries(client, alpha, fresh=True)
    cached_at_thousand = _home_queries(client, alpha, fresh=False)
    print(
        f"home page queries: rendered {rendered_at_ten} at 10 products, {rendered_at_thousand} at 1,000; "
        f"from the fragment cache {cached_at_ten} and {cached_at_thousand}"
    )
    # Rendered: the schema's search path, featured products and their images, the categories
    # (settings, theme and the primary domain come from the cache; a guest's header reads nothing).
    assert rendered_at_ten == rendered_at_thousand == 4
    # Warm: the product and category blocks come from the fragment cache.
    assert cached_at_ten == cached_at_thousand == 0


def test_a_product_change_reaches_the_cached_home_page(alpha, django_capture_on_commit_callbacks):
    with _in(alpha):
        store_theme_get()
        product = make_product("Linen Shirt")
    client = store_client(alpha)
    assert "Linen Shirt" in client.get("/").content.decode()
    with _in(alpha), django_capture_on_commit_callbacks(execute=True):
        product_update(
            product=product,
            data=ProductInput(
                title="Hemp Shirt",
                status=Product.Status.ACTIVE,
                variants=(VariantInput(sku=product.variants.get().sku, price=Decimal("20")),),
            ),
        )
    html = client.get("/").content.decode()
    assert "Hemp Shirt" in html and "Linen Shirt" not in html


def test_alpha_cached_home_blocks_are_never_served_on_beta(alpha, beta):
    # given both stores on the default home page, whose blocks have the same ids
    with _in(alpha):
        StoreTheme.objects.all().delete()
        make_product("Alpha Cached Lamp")
    with _in(beta):
        StoreTheme.objects.all().delete()
    cache.clear()
    assert "Alpha Cached Lamp" in _html(alpha)  # alpha's featured block is now in the cache
    # then beta renders its own
    assert "Alpha Cached Lamp" not in _html(beta)
