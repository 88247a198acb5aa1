"""The whole-page cache for anonymous shoppers (apps.storefront.page_cache): who is served from
it, what is put in per visitor (the CSRF token), what is never kept, invalidation by catalog and
theme events and by the reads every page shows, and one store's page never served on another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_update
from apps.catalog.tests.factories import make_product
from apps.checkout.tests.factories import variant_make
from apps.inventory.services import stock_set
from apps.storefront.caching import catalog_version_bump
from apps.storefront.page_cache import CACHE_HEADER, PAGE_KEY_PREFIX
from apps.stores.exchange_rates import exchange_rate_set
from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@contextmanager
def _in(world: StoreWorld) -> Iterator[None]:
    with schema_context(world.tenant.schema_name):
        yield


def _visitor(world: StoreWorld) -> Client:
    """A new anonymous shopper (no cookies) whose POSTs must carry a valid CSRF token."""
    return Client(HTTP_HOST=world.host, enforce_csrf_checks=True)


def _tokens(html: str) -> list[str]:
    return _TOKEN.findall(html)


def _without_tokens(html: str) -> str:
    return _TOKEN.sub("", html)


def _product(world: StoreWorld, title: str = "Linen shirt", stock: int = 5) -> ProductVariant:
    with _in(world):
        return variant_make(title=title, stock=stock)


# ------------------------------------------------------------------------------
# served from the cache
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/collections/all/", "/search/?q=linen", "PRODUCT"])
def test_a_second_anonymous_visitor_gets_the_page_from_the_cache_without_a_query(alpha, path):
    # given a page one anonymous shopper has seen
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/" if path == "PRODUCT" else path
    first = _visitor(alpha).get(url)
    assert first.status_code == 200 and first[CACHE_HEADER] == "miss"

    # when another anonymous shopper asks for it
    with CaptureQueriesContext(connection) as queries:
        second = _visitor(alpha).get(url)

    # then it comes from the cache, the same page but for the CSRF tokens, with no query at all
    assert second.status_code == 200 and second[CACHE_HEADER] == "hit"
    assert len(queries) == 0
    assert _without_tokens(second.text) == _without_tokens(first.text)
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]
    assert "Cart (<span data-cart-count>0</span>)" in second.text and "Sign in" in second.text


def test_every_visitor_gets_their_own_csrf_token_on_a_cached_page(alpha):
    # given a product page cached by one shopper's visit
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/"
    first = _visitor(alpha)
    first_tokens = _tokens(first.get(url).text)

    # when two more shoppers get it from the cache
    second, third = _visitor(alpha), _visitor(alpha)
    second_page = second.get(url)
    third.get(url)

    # then the second shopper's page carries a token of their own, which adds to their cart
    assert second_page[CACHE_HEADER] == "hit"
    second_tokens = _tokens(second_page.text)
    assert second_tokens and first_tokens and not set(second_tokens) & set(first_tokens)
    added = second.post(
        "/cart/add/", {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": second_tokens[0]}
    )
    assert added.status_code == 302
    # and the first shopper's token (what a page cached with its token would hand out) is refused
    refused = third.post(
        "/cart/add/", {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": first_tokens[0]}
    )
    assert refused.status_code == 403


def test_a_shopper_who_adds_to_the_cart_sees_their_own_count_not_the_cached_page(alpha):
    # given a cached product page
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/"
    _visitor(alpha).get(url)
    shopper = store_client(alpha)
    assert shopper.get(url)[CACHE_HEADER] == "hit"

    # when the shopper adds to the cart (and reads the confirmation) and opens the page again
    shopper.post("/cart/add/", {"variant": variant.pk, "quantity": 2}, follow=True)
    page = shopper.get(url)

    # then the page is rendered for them, with their count, and not kept for anyone else
    assert CACHE_HEADER not in page
    assert "Cart (<span data-cart-count>2</span>)" in page.text
    other = _visitor(alpha).get(url)
    assert other[CACHE_HEADER] == "hit" and "Cart (<span data-cart-count>0</span>)" in other.text


def test_a_signed_in_shopper_is_never_served_nor_stores_a_cached_page(alpha):
    # given the anonymous home page in the cache, and a shopper signed in
    _visitor(alpha).get("/")
    user = make_store_user(alpha, "ana@example.com")
    shopper = store_client(alpha)
    with _in(alpha):
        shopper.force_login(user)

    # when they open the home page twice
    pages = [shopper.get("/") for _ in range(2)]

    # then each is rendered for them (their account link) and none replaces the anonymous page
    for page in pages:
        assert CACHE_HEADER not in page and "Sign out" in page.text
    anonymous = _visitor(alpha).get("/")
    assert (
        anonymous[CACHE_HEADER] == "hit" and "Sign out" not in anonymous.text and "Sign in" in anonymous.text
    )


def test_a_chosen_display_currency_has_its_own_cached_pages(alpha):
    # given a store that shows prices in USD too, and an anonymous page cached in EUR
    with _in(alpha):
        exchange_rate_set(currency="USD", rate="1.10")
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/"
    assert "€19.90" in _visitor(alpha).get(url).text

    # when a shopper chooses USD (kept in their session) and opens the page twice
    shopper = store_client(alpha)
    shopper.post("/currency/", {"currency": "USD", "next": url})
    first, second = shopper.get(url), shopper.get(url)

    # then they see dollars, the second time from the cache; others still see euros
    assert first[CACHE_HEADER] == "miss" and second[CACHE_HEADER] == "hit"
    assert "≈ $21.89" in second.text and "€19.90</span>" not in second.text.split("sf-price-approx")[0][-200:]
    euros = _visitor(alpha).get(url)
    assert euros[CACHE_HEADER] == "hit" and "≈ $" not in euros.text


def test_queued_messages_are_shown_not_cached(alpha):
    # given a cached home page with the newsletter form
    _visitor(alpha).get("/")
    shopper = store_client(alpha)

    # when a shopper signs up (the thank-you message waits in a cookie) and follows the redirect
    thanked = shopper.post("/newsletter/", {"email": "ana@example.com"}, follow=True)

    # then they see the message; the page is not kept, the next visitor sees no message
    assert "Thank you! Please check your inbox" in thanked.text and CACHE_HEADER not in thanked
    other = _visitor(alpha).get("/")
    assert other[CACHE_HEADER] == "hit" and "Thank you!" not in other.text


@pytest.mark.parametrize("header", [{"X-Requested-With": "XMLHttpRequest"}, {"HX-Request": "true"}])
def test_script_requests_are_rendered(alpha, header):
    _visitor(alpha).get("/")
    response = _visitor(alpha).get("/", headers=header)
    assert response.status_code == 200 and CACHE_HEADER not in response


def test_pages_that_are_not_ok_are_not_kept(alpha):
    for _ in range(2):
        missing = _visitor(alpha).get("/products/no-such-thing/")
        assert missing.status_code == 404 and CACHE_HEADER not in missing


def test_each_query_string_is_its_own_page(alpha):
    _product(alpha, "Linen shirt")
    _product(alpha, "Wool hat")
    shirts = _visitor(alpha).get("/search/?q=linen")
    hats = _visitor(alpha).get("/search/?q=wool")
    assert hats[CACHE_HEADER] == "miss"
    assert "Wool hat" in hats.text and "Wool hat" not in shirts.text


def test_a_page_cache_that_cannot_be_reached_renders_the_page(alpha, monkeypatch):
    from apps.storefront import page_cache

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    monkeypatch.setattr(page_cache.cache, "get_many", broken)
    response = _visitor(alpha).get("/")
    assert response.status_code == 200 and CACHE_HEADER not in response


def test_the_page_cache_can_be_turned_off(alpha, settings):
    settings.STOREFRONT_PAGE_CACHE_SECONDS = 0
    for _ in range(2):
        assert CACHE_HEADER not in _visitor(alpha).get("/")


# ------------------------------------------------------------------------------
# the copy kept in the process
# ------------------------------------------------------------------------------
def _cache_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the cache calls made from now on (this thread's cache object)."""
    from django.core.cache import caches

    backend = caches["default"]
    calls: list[str] = []
    for name in ("get", "get_many", "set", "add", "delete"):
        real = getattr(backend, name)

        def counted(*args, _real=real, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(backend, name, counted)
    return calls


def _drop_pages_in_redis() -> None:
    """Delete every stored page from Redis, leaving the copies this process keeps."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter(match=f"*{PAGE_KEY_PREFIX}*"):
        client.delete(key)


def test_a_hit_costs_one_cache_round_trip_the_store_settings_read(alpha, monkeypatch):
    # given a product page a first shopper's visit cached
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/"
    assert _visitor(alpha).get(url)[CACHE_HEADER] == "miss"

    # when another shopper asks for it
    calls = _cache_calls(monkeypatch)
    page = _visitor(alpha).get(url)

    # then the page comes from this process's copy: the only cache call is the read of the
    # store's settings, which brings the versions it is checked against along
    assert page[CACHE_HEADER] == "hit"
    assert calls == ["get_many"]


def test_the_copy_in_the_process_is_served_only_while_the_store_s_versions_are_current(alpha):
    # given a cached page of which only this process's copy is left (Redis evicted its own)
    variant = _product(alpha)
    url = f"/products/{variant.product.handle}/"
    _visitor(alpha).get(url)
    _drop_pages_in_redis()
    assert _visitor(alpha).get(url)[CACHE_HEADER] == "hit"

    # when the catalog version moves on (a product, collection or stock event)
    with _in(alpha):
        catalog_version_bump()

    # then the copy is not served: the page is rendered again
    assert _visitor(alpha).get(url)[CACHE_HEADER] == "miss"
    assert _visitor(alpha).get(url)[CACHE_HEADER] == "hit"


def test_no_copy_is_served_past_the_entry_s_lifetime(alpha, monkeypatch, settings):
    from apps.storefront import page_cache

    # given a cached page, in Redis and in the process
    _visitor(alpha).get("/")
    assert _visitor(alpha).get("/")[CACHE_HEADER] == "hit"

    # when its lifetime has passed (Redis would drop its entry; the process's copy stays)
    later = page_cache._now() + settings.STOREFRONT_PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(page_cache, "_now", lambda: later)
    _drop_pages_in_redis()

    # then the page is rendered again rather than served stale (a stock change without an event)
    assert _visitor(alpha).get("/")[CACHE_HEADER] == "miss"


def test_the_copy_in_the_process_can_be_turned_off(alpha, settings):
    from apps.storefront.page_cache import local_pages

    local_pages.clear()
    settings.STOREFRONT_PAGE_LOCAL_BYTES = 0
    _visitor(alpha).get("/")
    _drop_pages_in_redis()
    assert local_pages.slots() == []
    assert _visitor(alpha).get("/")[CACHE_HEADER] == "miss"


# ------------------------------------------------------------------------------
# invalidation
# ------------------------------------------------------------------------------
def test_a_product_edit_shows_on_the_next_request(alpha, django_capture_on_commit_callbacks):
    # given a cached product page
    with _in(alpha):
        product = make_product("Old Name Lamp", sku_prefix="LAMP")
    url = f"/products/{product.handle}/"
    _visitor(alpha).get(url)
    assert "Old Name Lamp" in _visitor(alpha).get(url).text

    # when the product is renamed through the service (its event bumps the catalog version)
    with _in(alpha), django_capture_on_commit_callbacks(execute=True):
        variant = product.variants.get()
        product_update(
            product=product,
            data=ProductInput(
                title="New Name Lamp",
                handle=product.handle,
                status=Product.Status.ACTIVE,
                variants=(VariantInput(sku=variant.sku, price=variant.price),),
            ),
        )

    # then the next request renders the new title
    page = _visitor(alpha).get(url)
    assert page[CACHE_HEADER] == "miss" and "New Name Lamp" in page.text and "Old Name Lamp" not in page.text


@pytest.mark.parametrize(
    ("before", "after", "retired", "shown"),
    [
        (3, 2, True, "Only 2 left"),  # a count the page shows changes
        (1, 0, True, "Sold out"),
        (0, 4, True, "Only 4 left"),  # back in stock
        (50, 20, False, "In stock"),  # above the threshold: the page reads the same
    ],
)
def test_a_stock_change_a_shopper_would_see_retires_the_cached_page(
    alpha, django_capture_on_commit_callbacks, before, after, retired, shown
):
    # given a cached product page with `before` units (low-stock threshold 5)
    variant = _product(alpha, "Stock Lamp", stock=before or 1)
    with _in(alpha):
        level = variant.stock_levels.get()
        if before == 0:
            stock_set(variant=variant, location=level.location, on_hand=0, reason="test")
    url = f"/products/{variant.product.handle}/"
    _visitor(alpha).get(url)
    assert _visitor(alpha).get(url)[CACHE_HEADER] == "hit"

    # when the stock changes (a sale, a count, a delivery) and the change commits
    with _in(alpha), django_capture_on_commit_callbacks(execute=True):
        stock_set(variant=variant, location=level.location, on_hand=after, reason="test")

    # then the next shopper sees the new state at once when it shows, and the cache is kept when not
    page = _visitor(alpha).get(url)
    assert page[CACHE_HEADER] == ("miss" if retired else "hit")
    assert shown in page.text


def test_a_theme_publish_shows_on_the_next_request(alpha, django_capture_on_commit_callbacks):
    _visitor(alpha).get("/")
    assert _visitor(alpha).get("/")[CACHE_HEADER] == "hit"

    with _in(alpha), django_capture_on_commit_callbacks(execute=True):
        store_theme_save(
            data=StoreThemeInput(
                preset="cyberpunk",
                blocks=[
                    {"id": "t", "type": "custom_text", "data": {"heading": "Fresh from the theme editor"}}
                ],
            )
        )

    page = _visitor(alpha).get("/")
    assert page[CACHE_HEADER] == "miss" and "Fresh from the theme editor" in page.text


def test_a_new_exchange_rate_shows_in_the_switcher_on_the_next_request(alpha):
    # given a cached page of a store without rates (no currency switcher)
    _visitor(alpha).get("/")
    assert 'name="currency"' not in _visitor(alpha).get("/").text

    # when a rate is set (no event: the rates are part of what a cached page is checked against)
    with _in(alpha):
        exchange_rate_set(currency="USD", rate="1.10")

    # then the next page offers the switch
    page = _visitor(alpha).get("/")
    assert page[CACHE_HEADER] == "miss" and 'name="currency"' in page.text


# ------------------------------------------------------------------------------
# tenant isolation
# ------------------------------------------------------------------------------
def test_the_same_path_on_two_stores_never_serves_the_others_page(alpha, beta):
    # given the same product address on both stores, alpha's page cached first
    with _in(alpha):
        make_product("Alpha Secret Lamp", handle="lamp")
    with _in(beta):
        make_product("Beta Teapot", handle="lamp")
    for _ in range(2):
        _visitor(alpha).get("/products/lamp/")

    # when beta's page is requested, uncached then from its own cache
    pages = [_visitor(beta).get("/products/lamp/") for _ in range(2)]

    # then beta shows only its own product, and alpha's cached page is still alpha's
    assert [page[CACHE_HEADER] for page in pages] == ["miss", "hit"]
    for page in pages:
        assert "Beta Teapot" in page.text and "Alpha Secret Lamp" not in page.text
    again = _visitor(alpha).get("/products/lamp/")
    assert (
        again[CACHE_HEADER] == "hit" and "Alpha Secret Lamp" in again.text and "Beta Teapot" not in again.text
    )


def test_copies_kept_in_the_process_never_serve_another_store(alpha, beta):
    from apps.storefront.page_cache import local_pages

    # given the same product address on both stores, each page cached, and only the copies in
    # this process left (the Redis entries evicted)
    local_pages.clear()
    with _in(alpha):
        make_product("Alpha Secret Lamp", handle="lamp")
    with _in(beta):
        make_product("Beta Teapot", handle="lamp")
    for world in (alpha, beta):
        _visitor(world).get("/products/lamp/")
    _drop_pages_in_redis()

    # when each store's page is asked for again
    pages = {world.tenant.schema_name: _visitor(world).get("/products/lamp/") for world in (alpha, beta)}

    # then each is served from its own store's copy, kept under its schema
    alpha_page, beta_page = pages[alpha.tenant.schema_name], pages[beta.tenant.schema_name]
    assert alpha_page[CACHE_HEADER] == beta_page[CACHE_HEADER] == "hit"
    assert "Alpha Secret Lamp" in alpha_page.text and "Beta Teapot" not in alpha_page.text
    assert "Beta Teapot" in beta_page.text and "Alpha Secret Lamp" not in beta_page.text
    assert {schema for schema, _key in local_pages.slots()} == set(pages)


def test_page_keys_carry_the_store_schema(alpha, beta):
    from django.core.cache import cache

    for world in (alpha, beta):
        _visitor(world).get("/")
    keys = list(cache._cache.get_client().scan_iter(match=f"*{PAGE_KEY_PREFIX}*"))  # type: ignore[attr-defined]
    schemas = {key.decode().split(":", 1)[0] for key in keys}
    assert schemas == {alpha.tenant.schema_name, beta.tenant.schema_name}
