"""Per-store caching of rendered storefront fragments (product cards, home blocks, listings).

A fragment's key carries two version tokens of the store, the shopper's language and display
currency (with its rate) and whatever the fragment itself varies on:

    storefront:fragment:<name>:<catalog version>:<theme version>:<language>:<currency>@<rate>:<digest>

- the **catalog version** changes on every product, collection, category and low-stock event, so a
  product edit shows on the next request after its event is delivered;
- the **theme version** changes when the theme is published or the store settings are saved
  (name, currency, languages, policies all show up in fragments).

Old fragments are never deleted: a new version makes new keys and the old entries expire after
FRAGMENT_CACHE_SECONDS (which also bounds how stale a stock state can be when stock changes
without crossing the low-stock line, which emits no event).

The cache's KEY_FUNCTION (`django_tenants.cache.make_key`) prefixes every key with the schema
of the current connection, so the same fragment name and vary values on two stores are two
different entries: one store's fragment can never be served on another store.

Whole pages for anonymous shoppers (`apps.storefront.page_cache`) are checked against the same
two versions.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import get_language

from apps.core.events import Event, subscribe
from apps.core.tenancy import require_store
from apps.inventory.signals import stock_shown_changed

logger = logging.getLogger(__name__)

CATALOG_VERSION_KEY = "storefront:version:catalog"
THEME_VERSION_KEY = "storefront:version:theme"
FRAGMENT_KEY_PREFIX = "storefront:fragment"
FRAGMENT_CACHE_SECONDS = 10 * 60
_REQUEST_ATTR = "_storefront_cache_versions"

# Events whose data shows in catalog fragments (cards, listings, product blocks).
CATALOG_EVENTS = (
    "product.created",
    "product.updated",
    "product.deleted",
    "collection.created",
    "collection.updated",
    "collection.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
    "inventory.low",
    "product.reviews_changed",  # a review published, hidden, answered or deleted (apps.reviews)
)
# Events whose data shows in every fragment (theme tokens and blocks, store name, currency).
THEME_EVENTS = ("store.theme_published", "store.settings_updated")


def _new_token() -> str:
    return uuid.uuid4().hex[:12]


def _version_read(key: str, found: dict[str, Any]) -> str:
    value = found.get(key)
    if isinstance(value, str):
        return value
    # First use, or the entry was evicted: start a new version (add: a concurrent request
    # that got there first wins, and both then use its token).
    cache.add(key, _new_token(), None)
    value = cache.get(key)
    return value if isinstance(value, str) else _new_token()


def store_cache_versions(request: HttpRequest | None = None) -> tuple[str, str]:
    """(catalog version, theme version) of the current store; read once per request."""
    require_store()
    memo = getattr(request, _REQUEST_ATTR, None) if request is not None else None
    if isinstance(memo, tuple):
        return memo
    found = cache.get_many([CATALOG_VERSION_KEY, THEME_VERSION_KEY])
    versions = (_version_read(CATALOG_VERSION_KEY, found), _version_read(THEME_VERSION_KEY, found))
    if request is not None:
        setattr(request, _REQUEST_ATTR, versions)
    return versions


def store_cache_versions_remember(request: HttpRequest, versions: tuple[str, str]) -> None:
    """Keep `versions`, read together with other keys (the page cache's MGET), as this
    request's: its fragments then read them no more."""
    setattr(request, _REQUEST_ATTR, versions)


def catalog_version_bump() -> str:
    """Retire every catalog fragment of the current store; returns the new version."""
    require_store()
    token = _new_token()
    cache.set(CATALOG_VERSION_KEY, token, None)
    return token


def theme_version_bump() -> str:
    """Retire every fragment of the current store (theme and settings show in all of them)."""
    require_store()
    token = _new_token()
    cache.set(THEME_VERSION_KEY, token, None)
    return token


def _presentment_part(request: HttpRequest | None) -> str:
    """The display currency and its rate: the shopper's choice, or the store's own currency
    when there is no request (what a shopper who chose nothing sees)."""
    from apps.storefront.presentment import request_presentment
    from apps.stores.currency import presentment_get

    presentment = request_presentment(request) if request is not None else presentment_get()
    return f"{presentment.currency}@{presentment.rate}"


def fragment_key(name: str, vary_on: Iterable[Any] = (), *, request: HttpRequest | None = None) -> str:
    """The cache key of fragment `name` for this request's store, language and currency."""
    catalog, theme = store_cache_versions(request)
    digest = hashlib.blake2b(
        "\x1f".join(str(value) for value in vary_on).encode(), digest_size=12
    ).hexdigest()
    language = get_language() or "-"
    return f"{FRAGMENT_KEY_PREFIX}:{name}:{catalog}:{theme}:{language}:{_presentment_part(request)}:{digest}"


def fragment_cached(
    name: str,
    render: Callable[[], str],
    *,
    vary_on: Iterable[Any] = (),
    request: HttpRequest | None = None,
    timeout: int = FRAGMENT_CACHE_SECONDS,
) -> str:
    """The cached HTML of fragment `name`, rendered with `render()` on a miss. A cache that
    cannot be reached costs speed, not the page."""
    require_store()  # a fragment always belongs to one store
    try:
        key = fragment_key(name, vary_on, request=request)
        html = cache.get(key)
    except Exception:
        logger.warning("fragment cache unreadable; rendering %s", name, exc_info=True)
        return render()
    if isinstance(html, str):
        return html
    html = render()
    try:
        cache.set(key, html, timeout)
    except Exception:
        logger.warning("fragment cache unwritable; %s not kept", name, exc_info=True)
    return html


# ------------------------------------------------------------------------------
# event subscribers (imported from StorefrontConfig.ready)
# ------------------------------------------------------------------------------
@subscribe(*CATALOG_EVENTS)
def storefront_catalog_changed(event: Event) -> None:
    """A product, collection, category or stock state changed: catalog fragments are stale."""
    catalog_version_bump()


@subscribe(*THEME_EVENTS)
def storefront_theme_changed(event: Event) -> None:
    """The theme or the store's settings changed: every fragment is stale."""
    theme_version_bump()


@receiver(stock_shown_changed, dispatch_uid="storefront.stock_shown_changed")
def storefront_stock_shown_changed(sender: Any, **kwargs: Any) -> None:
    """A shopper would see a stock change ("only 2 left", sold out, back in stock): cached
    pages and product cards retire now rather than when their entry expires. Sent after the
    commit, in the store's schema; a cache that cannot be reached only delays this until the
    entries expire (STOREFRONT_PAGE_CACHE_SECONDS)."""
    try:
        catalog_version_bump()
    except Exception:
        logger.warning("catalog version not bumped after a stock change", exc_info=True)


def _content_changed(sender: Any, **kwargs: Any) -> None:
    """A page was published, unpublished, moved or deleted, or a menu changed: the menus and
    every cached page that links to them retire (the theme version covers both)."""
    from apps.core.tenancy import in_store

    if not in_store():
        return
    try:
        theme_version_bump()
    except Exception:
        logger.warning("theme version not bumped after a content change", exc_info=True)


def content_signals_connect() -> None:
    """Called from StorefrontConfig.ready: Wagtail's page signals and the menus' saves."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from apps.content.models import Menu, MenuItem

    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(_content_changed, dispatch_uid=f"storefront.content_changed.{id(signal)}")
    for model in (Menu, MenuItem):
        post_save.connect(
            _content_changed, sender=model, dispatch_uid=f"storefront.menu_saved.{model.__name__}"
        )
        post_delete.connect(
            _content_changed, sender=model, dispatch_uid=f"storefront.menu_deleted.{model.__name__}"
        )
