"""The per-store fragment cache: keys per store, language and currency; invalidation by the
product, stock, theme and settings events; one store's fragment never served on another."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django_tenants.utils import schema_context

from apps.catalog.models import Product
from apps.catalog.services import ProductInput, VariantInput, product_update
from apps.catalog.tests.factories import make_product
from apps.core.tenancy import NotInStoreError
from apps.storefront import caching
from apps.storefront.caching import (
    catalog_version_bump,
    fragment_cached,
    fragment_key,
    store_cache_versions,
    theme_version_bump,
)
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

CARD = Template(
    "{% load storefront_cache %}{% storefront_cache 'card' product.pk %}<h3>{{ product.title }}</h3>"
    "{% endstorefront_cache %}"
)


def _render_card(product: Product, *, host: str) -> str:
    request = RequestFactory().get("/", HTTP_HOST=host)
    request.session = SessionStore()
    return CARD.render(Context({"product": product, "request": request}))


def test_a_product_update_shows_on_the_next_render(alpha: StoreWorld, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        # given a cached card
        product = make_product("Linen Shirt", sku_prefix="LIN")
        assert _render_card(product, host=alpha.host) == "<h3>Linen Shirt</h3>"
        stale = Product.objects.get(pk=product.pk)
        stale.title = "Not rendered: the cached fragment wins"
        assert "Linen Shirt" in _render_card(stale, host=alpha.host)

        # when the product is renamed through the service (its event bumps the catalog version)
        with django_capture_on_commit_callbacks(execute=True):
            product_update(
                product=product,
                data=ProductInput(
                    title="Hemp Shirt",
                    variants=(VariantInput(sku="LIN", price=product.variants.get().price),),
                ),
            )

        # then the next render shows the new title
        fresh = Product.objects.get(pk=product.pk)
        assert _render_card(fresh, host=alpha.host) == "<h3>Hemp Shirt</h3>"


def test_collection_and_category_changes_retire_catalog_fragments(
    alpha: StoreWorld, django_capture_on_commit_callbacks
):
    from apps.catalog.models import Category, Collection
    from apps.catalog.services import category_delete, category_save, collection_delete, collection_save

    with schema_context(alpha.tenant.schema_name):
        seen = {store_cache_versions()[0]}
        steps = [
            lambda: collection_save(collection=Collection(), title="Summer", kind=Collection.Kind.MANUAL),
            lambda: collection_save(
                collection=Collection.objects.get(title="Summer"),
                title="Summer 26",
                kind=Collection.Kind.MANUAL,
            ),
            lambda: collection_delete(collection=Collection.objects.get(title="Summer 26")),
            lambda: category_save(category=Category(), name="Hats", parent=None),
            lambda: category_save(category=Category.objects.get(name="Hats"), name="Caps", parent=None),
            lambda: category_delete(category=Category.objects.get(name="Caps")),
        ]
        for step in steps:
            with django_capture_on_commit_callbacks(execute=True):
                step()
            seen.add(store_cache_versions()[0])
    assert len(seen) == len(steps) + 1  # every change made a new catalog version


def test_theme_and_settings_events_retire_every_fragment(alpha: StoreWorld):
    with schema_context(alpha.tenant.schema_name):
        before = store_cache_versions()
        caching.storefront_theme_changed(None)  # type: ignore[arg-type]
        after_theme = store_cache_versions()
        caching.storefront_catalog_changed(None)  # type: ignore[arg-type]
        after_catalog = store_cache_versions()
    assert after_theme[0] == before[0] and after_theme[1] != before[1]
    assert after_catalog[0] != after_theme[0] and after_catalog[1] == after_theme[1]


def test_the_subscribers_are_registered_for_the_events_that_exist():
    from apps.core.events import subscribers_for

    catalog_events = ("product", "collection", "category")
    for name in [
        f"{kind}.{change}" for kind in catalog_events for change in ("created", "updated", "deleted")
    ]:
        assert "apps.storefront.caching.storefront_catalog_changed" in subscribers_for(name)
    assert "apps.storefront.caching.storefront_catalog_changed" in subscribers_for("inventory.low")
    for name in ("store.theme_published", "store.settings_updated"):
        assert "apps.storefront.caching.storefront_theme_changed" in subscribers_for(name)


def test_the_key_varies_on_language_and_versions(alpha: StoreWorld):
    with schema_context(alpha.tenant.schema_name):
        with translation.override("en"):
            english = fragment_key("card", [1])
        with translation.override("de"):
            german = fragment_key("card", [1])
        assert english != german
        with translation.override("en"):
            assert fragment_key("card", [2]) != english
            catalog_version_bump()
            assert fragment_key("card", [1]) != english
            bumped = fragment_key("card", [1])
            theme_version_bump()
            assert fragment_key("card", [1]) != bumped


def test_the_key_varies_on_the_display_currency_and_its_rate(alpha: StoreWorld):
    from apps.storefront.presentment import SESSION_KEY
    from apps.stores.exchange_rates import exchange_rate_set

    with schema_context(alpha.tenant.schema_name):
        exchange_rate_set(currency="USD", rate="1.10")

        def key_for(currency: str | None) -> str:
            request = RequestFactory().get("/", HTTP_HOST=alpha.host)
            request.session = SessionStore()
            if currency:
                request.session[SESSION_KEY] = currency
            return fragment_key("card", [1], request=request)

        store_currency = key_for(None)
        dollars = key_for("USD")
        assert store_currency == fragment_key("card", [1])  # no request: the store's currency
        assert dollars != store_currency and ":USD@1.1" in dollars
        exchange_rate_set(currency="USD", rate="1.20")
        assert key_for("USD") != dollars


def test_alphas_fragment_never_appears_on_beta(alpha: StoreWorld, beta: StoreWorld):
    # given the same fragment name and vary values cached on alpha
    with schema_context(alpha.tenant.schema_name):
        alpha_product = make_product("Alpha Secret Lamp", sku_prefix="ALP")
        assert "Alpha Secret Lamp" in _render_card(alpha_product, host=alpha.host)
        alpha_versions = store_cache_versions()
        alpha_key = cache.make_key(fragment_key("card", [alpha_product.pk]))
    with schema_context(beta.tenant.schema_name):
        # when beta holds the same versions and renders a product with the same pk
        cache.set(caching.CATALOG_VERSION_KEY, alpha_versions[0], None)
        cache.set(caching.THEME_VERSION_KEY, alpha_versions[1], None)
        beta_product = Product(pk=alpha_product.pk, title="Beta Teapot")
        html = _render_card(beta_product, host=beta.host)
        beta_key = cache.make_key(fragment_key("card", [alpha_product.pk]))
    # then beta renders its own (the key differs only by the schema the cache adds)
    assert html == "<h3>Beta Teapot</h3>"
    assert alpha_key != beta_key
    assert alpha_key.startswith(alpha.tenant.schema_name) and beta_key.startswith(beta.tenant.schema_name)


def test_fragments_need_a_store():
    with pytest.raises(NotInStoreError):
        fragment_cached("card", lambda: "x")


def test_an_unreachable_cache_renders_the_fragment(alpha: StoreWorld, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    with schema_context(alpha.tenant.schema_name):
        monkeypatch.setattr(caching.cache, "get", broken)
        monkeypatch.setattr(caching.cache, "get_many", broken)
        assert fragment_cached("card", lambda: "rendered", vary_on=[1]) == "rendered"


def test_a_fragment_name_is_required():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        Template("{% load storefront_cache %}{% storefront_cache %}x{% endstorefront_cache %}")


def _picks(world: StoreWorld, title: str) -> Product:
    from apps.catalog.models import Collection
    from apps.catalog.services import collection_save

    with schema_context(world.tenant.schema_name):
        product = make_product(title, sku_prefix=title.upper().replace(" ", "-"))
        collection_save(
            collection=Collection(handle="picks"),
            title="Picks",
            kind=Collection.Kind.MANUAL,
            product_ids=[product.pk],
        )
        return product


def test_the_same_page_on_two_stores_serves_each_its_own_cached_grid(alpha: StoreWorld, beta: StoreWorld):
    # given the same collection URL on both stores, alpha's grid cached first
    _picks(alpha, "Alpha Only Lantern")
    _picks(beta, "Beta Only Kettle")
    alpha_page = store_client(alpha).get("/collections/picks/")
    assert b"Alpha Only Lantern" in alpha_page.content

    # when beta's page is requested (twice: uncached, then from its own cache)
    first = store_client(beta).get("/collections/picks/")
    second = store_client(beta).get("/collections/picks/")

    # then beta shows only its own product
    for response in (first, second):
        assert b"Beta Only Kettle" in response.content
        assert b"Alpha Only Lantern" not in response.content


def test_a_renamed_product_shows_on_the_next_collection_page(
    alpha: StoreWorld, django_capture_on_commit_callbacks
):
    product = _picks(alpha, "Old Name Lamp")
    client = store_client(alpha)
    assert b"Old Name Lamp" in client.get("/collections/picks/").content
    assert b"Old Name Lamp" in client.get("/collections/picks/").content  # from the cache now

    with schema_context(alpha.tenant.schema_name), django_capture_on_commit_callbacks(execute=True):
        variant = product.variants.get()
        product_update(
            product=product,
            data=ProductInput(
                title="New Name Lamp",
                status=Product.Status.ACTIVE,
                variants=(VariantInput(sku=variant.sku, price=variant.price),),
            ),
        )

    page = client.get("/collections/picks/").content
    assert b"New Name Lamp" in page and b"Old Name Lamp" not in page
