"""Whole storefront pages cached for shoppers the page cannot tell apart from any other.

`@storefront_page_cache` on a page view (home, collection, category, product, search) serves a
GET from the store's cache before the view runs, when the visitor is anonymous in every way the
page shows:

- not signed in and without a cart: no session cookie, or a session holding nothing but what
  the key already covers (the display currency, `SESSION_ALLOWED_KEYS`); any other key
  (a signed-in user, a cart token, queued messages, a checkout) renders the page as before;
- no queued messages (the `messages` cookie);
- not the theme editor's preview (`?theme_preview=`, `apps.storefront.theme_preview`);
- not a script's request for a fragment (`X-Requested-With`, `HX-Request`).

The key (the cache's KEY_FUNCTION adds the store's schema in front) is a digest of the host
and scheme, the page's language, the display currency with its rate, and the full path with
its query string. The entry holds what the page was rendered under and is served only while
all of it is current:

- the store's catalog and theme versions (`apps.storefront.caching`): a product, collection,
  category or low-stock event, a theme publish or a settings save retires every page of the
  store on the next request;
- the reads every page shows that change without a version bump: the exchange rates (the
  currency switcher's choices), whether the store has pickup points (the footer's link), the
  store's canonical origin (canonical and hreflang links).

The versions and those reads are fetched at the start of the request in the round trip that
reads the store's settings (`page_cache_prefetch`, called by `StoreLocaleMiddleware`, which
needs the settings anyway), and the page itself comes from a small copy kept in the process
(`STOREFRONT_PAGE_LOCAL_BYTES`, least recently used pages dropped first) in front of the
store's cache: a hit costs no Redis round trip of its own, so a cached page costs about what a
bare view behind the same middleware does. The local copy is keyed by the store's schema and
the page key, and is served under exactly the rules above: only while the versions and reads
just fetched from Redis are the ones it was rendered under, and never past the entry's expiry;
it only spares the transfer of an entry Redis holds the same (a page every process has seen).
Without the prefetch (a request it did not run for, a failed read) one MGET reads the versions,
those reads and the entry together. A miss renders the view, stores the result under the
values read before rendering (a change during the render only costs one more miss) and answers
this visitor with what was rendered.

What differs per visitor is put in at serve time: the CSRF token of every form on the page
(add to cart, newsletter, currency switcher) is the requester's own, as the body is kept cut
at the token values and joined with `get_token(request)` (which also sets the CSRF cookie
when the visitor has none, as a render does; `apps.core.csrf` draws the secret and the mask
with one system call each, where Django's own took one per character). The cart count and the account link need
nothing: every visitor served from the cache has an empty cart and is not signed in.

Never stored: a response other than a plain 200, one that set a cookie or declared itself
private or uncacheable, one rendered while the session changed, messages were queued or a
cart count above zero was shown. A stock change a shopper would see ("only 2 left", sold out,
back in stock) retires the store's pages through `apps.inventory.signals.stock_shown_changed`;
entries live STOREFRONT_PAGE_CACHE_SECONDS all the same (short: a stock change above the
low-stock threshold shows nowhere but may still move a listing's "in stock only" filter), and a
cache that cannot be reached costs speed, not the page.
The `X-Storefront-Cache` header says `hit` or `miss` on the requests this applies to; both
carry `Vary: Cookie` (the key reads the session for the display currency, so the session
middleware adds it), as a page rendered for a shopper does.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from apps.core.tenancy import current_schema, in_store
from apps.inventory.selectors import PICKUP_EXISTS_CACHE_KEY, pickup_locations_exist
from apps.storefront import caching
from apps.storefront.presentment import SESSION_KEY as CURRENCY_SESSION_KEY
from apps.storefront.presentment import request_presentment
from apps.storefront.seo import BASE_URL_CACHE_KEY, base_url
from apps.storefront.templatetags.storefront_cart import cart_count_shown
from apps.storefront.theme_preview import is_preview_request
from apps.stores.currency import EXCHANGE_RATES_CACHE_KEY, exchange_rates_get
from apps.stores.selectors import store_currency_get, store_settings_get_many

logger = logging.getLogger(__name__)

PAGE_KEY_PREFIX = "storefront:page:v2"
CACHE_HEADER = "X-Storefront-Cache"
# Session keys a cached page may be served with: the key covers what they change.
SESSION_ALLOWED_KEYS = frozenset({CURRENCY_SESSION_KEY})
FRAGMENT_HEADERS = ("HTTP_X_REQUESTED_WITH", "HTTP_HX_REQUEST")  # X-Requested-With, HX-Request
MAX_PATH_LENGTH = 2000  # longer addresses (crafted query strings) are rendered, not stored
_CSRF_VALUE = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)">')
# Response headers of the view kept with the page (the middleware adds its own on every request).
_KEPT_HEADERS = frozenset({"content-type", "content-language", "vary", "link", "x-robots-tag"})
_PREFETCH_ATTR = "_storefront_page_prefetch"

View = Callable[..., HttpResponseBase]


@dataclass(frozen=True)
class CachedPage:
    versions: tuple[str, str]
    shown: tuple[Any, ...]  # `_shown_everywhere` when it was rendered
    headers: tuple[tuple[str, str], ...]
    parts: tuple[bytes, ...]  # the body, cut where the CSRF token values were
    expires: float  # `_now()` after which it is no longer served (the entry's timeout)

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)


class LocalPages:
    """The process's copy of recently served pages: (schema, page key) -> page, at most
    `STOREFRONT_PAGE_LOCAL_BYTES` of bodies, the least recently used dropped first. Whether a
    page found here may be served is the caller's check (`_current`), as for one read from
    Redis."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[str, str], CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gunicorn's threaded workers share the process

    @staticmethod
    def _limit() -> int:
        return int(settings.STOREFRONT_PAGE_LOCAL_BYTES)

    def get(self, slot: tuple[str, str]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(slot)
            if page is not None:
                self._pages.move_to_end(slot)
            return page

    def put(self, slot: tuple[str, str], page: CachedPage) -> None:
        limit = self._limit()
        if page.size > limit // 4:  # also when the copy is turned off (0)
            return
        with self._lock:
            old = self._pages.pop(slot, None)
            if old is not None:
                self._bytes -= old.size
            self._pages[slot] = page
            self._bytes += page.size
            while self._bytes > limit and self._pages:
                _slot, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.size

    def discard(self, slot: tuple[str, str]) -> None:
        with self._lock:
            old = self._pages.pop(slot, None)
            if old is not None:
                self._bytes -= old.size

    def slots(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


local_pages = LocalPages()


@dataclass(frozen=True)
class _Lookup:
    key: str
    versions: tuple[str, str] | None
    shown: tuple[Any, ...]
    page: CachedPage | None


def _now() -> float:
    return time.time()


def _cache_seconds() -> int:
    return int(settings.STOREFRONT_PAGE_CACHE_SECONDS)


def _page_request(request: HttpRequest) -> bool:
    """What `page_cacheable_request` can tell without loading the session."""
    if request.method != "GET" or not in_store() or _cache_seconds() <= 0:
        return False
    if is_preview_request(request):  # the theme editor's draft is never cached
        return False
    if any(request.META.get(name) for name in FRAGMENT_HEADERS):
        return False
    return not (
        request.COOKIES.get(CookieStorage.cookie_name) or len(request.get_full_path()) > MAX_PATH_LENGTH
    )


def page_cacheable_request(request: HttpRequest) -> bool:
    """Whether this request may be answered from (and fill) the page cache."""
    if not _page_request(request):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        # Loads the session (the render would too): served only when it holds nothing the
        # page shows other than what the key covers.
        return set(request.session.keys()) <= SESSION_ALLOWED_KEYS
    return True


def _page_key(request: HttpRequest) -> str:
    presentment = request_presentment(request)
    parts = (
        request.get_host(),
        request.scheme or "http",
        get_language() or "-",
        f"{presentment.currency}@{presentment.rate}",
        request.get_full_path(),
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"{PAGE_KEY_PREFIX}:{digest}"


def _shown_keys() -> tuple[str, str, str]:
    return (
        EXCHANGE_RATES_CACHE_KEY.format(base=store_currency_get()),
        PICKUP_EXISTS_CACHE_KEY,
        BASE_URL_CACHE_KEY,
    )


# The exchange rates' key of each store as its last page request found it: the key names the
# store's currency, which is only known once the settings are read, in the same round trip. A
# store that changed its currency since pays one more read (`_shown_everywhere`), once.
_rates_keys: dict[str, str] = {}


def page_cache_prefetch(request: HttpRequest) -> None:
    """Read what a cached page is checked against (the versions, the reads every page shows)
    in the round trip that reads the store's settings, for a request that may be a cached
    page's; called by `apps.storefront.i18n.StoreLocaleMiddleware` before it reads them. A
    failure leaves every read to its own selector."""
    if not _page_request(request):
        return
    schema = current_schema()
    keys = [
        caching.CATALOG_VERSION_KEY,
        caching.THEME_VERSION_KEY,
        PICKUP_EXISTS_CACHE_KEY,
        BASE_URL_CACHE_KEY,
    ]
    rates_key = _rates_keys.get(schema)
    if rates_key:
        keys.append(rates_key)
    try:
        found = store_settings_get_many(keys)
    except Exception:
        logger.warning("page cache prefetch failed; reading on demand", exc_info=True)
        return
    setattr(request, _PREFETCH_ATTR, (schema, found))


def _shown_everywhere(request: HttpRequest, found: dict[str, Any]) -> tuple[Any, ...]:
    """What every page shows from reads that change without a version bump, from `found` (the
    MGET) where the entries are there, else through their selectors (which cache them again)."""
    rates_key, pickup_key, base_key = _shown_keys()
    rates = found.get(rates_key)
    if not isinstance(rates, dict):
        rates = exchange_rates_get()
    pickup = found.get(pickup_key)
    if not isinstance(pickup, bool):
        pickup = pickup_locations_exist()
    origin = found.get(base_key)
    if not isinstance(origin, str) or not origin:
        origin = base_url(request)
    return (rates, pickup, origin)


def _current(page: Any, versions: tuple[str, str] | None, shown: tuple[Any, ...]) -> bool:
    return (
        isinstance(page, CachedPage)
        and versions is not None
        and (page.versions, page.shown) == (versions, shown)
        and _now() < page.expires
    )


def _lookup(request: HttpRequest) -> _Lookup:
    schema = current_schema()
    key = _page_key(request)
    _rates_keys[schema] = _shown_keys()[0]
    prefetched = request.__dict__.pop(_PREFETCH_ATTR, None)  # read once per request
    slot = (schema, key)
    if prefetched is not None and prefetched[0] == schema:
        found: dict[str, Any] = prefetched[1]  # the rates, when missing, are read on their own
        read_page = False
    else:
        found = cache.get_many([caching.CATALOG_VERSION_KEY, caching.THEME_VERSION_KEY, *_shown_keys(), key])
        read_page = True
    catalog, theme = found.get(caching.CATALOG_VERSION_KEY), found.get(caching.THEME_VERSION_KEY)
    versions = (catalog, theme) if isinstance(catalog, str) and isinstance(theme, str) else None
    if versions is not None:
        caching.store_cache_versions_remember(request, versions)  # the render's fragments use them
    shown = _shown_everywhere(request, found)
    page = found.get(key) if read_page else local_pages.get(slot)
    if not read_page and versions is not None and not _current(page, versions, shown):
        page = cache.get(key)  # not in this process yet (or retired here): the store's copy
        if _current(page, versions, shown):
            local_pages.put(slot, page)
    if not _current(page, versions, shown):
        local_pages.discard(slot)
        page = None
    return _Lookup(key=key, versions=versions, shown=shown, page=page)


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or not isinstance(response, HttpResponse):
        return False
    if response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "added_new", False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return cart_count_shown(request) == 0


def _page_from(
    response: HttpResponse, *, versions: tuple[str, str], shown: tuple[Any, ...], seconds: int
) -> CachedPage:
    body = response.content
    parts: list[bytes] = []
    start = 0
    for match in _CSRF_VALUE.finditer(body):
        parts.append(body[start : match.start(1)])
        start = match.end(1)
    parts.append(body[start:])
    headers = tuple((name, value) for name, value in response.items() if name.lower() in _KEPT_HEADERS)
    return CachedPage(
        versions=versions, shown=shown, headers=headers, parts=tuple(parts), expires=_now() + seconds
    )


def _serve(request: HttpRequest, page: CachedPage) -> HttpResponse:
    token = get_token(request).encode() if len(page.parts) > 1 else b""
    response = HttpResponse(token.join(page.parts), headers=dict(page.headers))
    response[CACHE_HEADER] = "hit"
    return response


def _store(lookup: _Lookup, request: HttpRequest, response: HttpResponse) -> None:
    versions = lookup.versions or caching.store_cache_versions(request)
    seconds = _cache_seconds()
    page = _page_from(response, versions=versions, shown=lookup.shown, seconds=seconds)
    cache.set(lookup.key, page, seconds)
    local_pages.put((current_schema(), lookup.key), page)


def storefront_page_cache(view: View) -> View:
    """Serve `view`'s page from the store's page cache to visitors it applies to (see the
    module docstring); the view renders it on a miss and for everyone else."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not page_cacheable_request(request):
            return view(request, *args, **kwargs)
        try:
            lookup = _lookup(request)
        except Exception:
            logger.warning("page cache unreadable; rendering %s", request.path, exc_info=True)
            return view(request, *args, **kwargs)
        if lookup.page is not None:
            return _serve(request, lookup.page)
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponse) and _storable(request, response):
            try:
                _store(lookup, request, response)
            except Exception:
                logger.warning("page cache unwritable; %s not kept", request.path, exc_info=True)
            else:
                response[CACHE_HEADER] = "miss"
        return response

    return wrapper
