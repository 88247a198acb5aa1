"""Languages in storefront URLs: the store's default language unprefixed, its other enabled
languages under their prefix (`/de/...`, `/es/...`), so that search engines crawl every one.

Django's `i18n_patterns(prefix_default_language=False)` leaves `settings.LANGUAGE_CODE`
unprefixed for every site; here each store picks its own default. The URL resolver caches its
reverse lookups per active language, so one URLconf cannot serve a store whose unprefixed
language is English and another whose unprefixed language is German: `store_urlconf` gives one
URLconf per default language (the platform's three at most), built from the same
`store_urlpatterns` of `settings.ROOT_URLCONF`, and `StoreLocaleMiddleware` points each request
at its store's.

What the middleware decides, on a store's host:
- `/<lang>/...` with an enabled, non-default language: that language;
- `/<default>/...`: a permanent redirect to the unprefixed address (one URL per page);
- `/<lang>/...` with a language the store has not enabled: the branded 404;
- the unprefixed paths outside the storefront (dashboard, /accounts/, /i18n/, /media/,
  robots.txt, sitemaps): the language Django picks (cookie, then Accept-Language), as before;
- any other path: the store's default language.
A storefront page viewed in a language remembers it in the language cookie, so /accounts/ pages
opened from it follow.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.urls import URLPattern, URLResolver, get_resolver, set_urlconf
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers

from apps.core.tenancy import in_store
from apps.stores.errors import StoreSettingsError
from apps.stores.selectors import store_settings_get

logger = logging.getLogger(__name__)

_PREFIX_RE = re.compile(r"^/([a-z]{2,3}(?:-[a-z0-9]{2,8})?)(?:/|$)")


class StoreLocalePrefixPattern(LocalePrefixPattern):
    """`LocalePrefixPattern` whose unprefixed language is `default_language`, not
    `settings.LANGUAGE_CODE`."""

    def __init__(self, default_language: str) -> None:
        super().__init__(prefix_default_language=False)
        self.default_language = default_language

    @property
    def language_prefix(self) -> str:
        language = translation.get_language() or self.default_language
        return "" if language == self.default_language else f"{language}/"


def store_i18n_patterns(
    default_language: str, *urls: URLPattern | URLResolver
) -> list[URLPattern | URLResolver]:
    return [URLResolver(StoreLocalePrefixPattern(default_language), list(urls))]


def store_urlconf(default_language: str) -> str | ModuleType:
    """The URLconf of stores whose unprefixed language is `default_language`: ROOT_URLCONF
    itself for the platform's default language, else one built from its `store_urlpatterns`
    (a ROOT_URLCONF without that function, a test's, is used as it is)."""
    root = settings.ROOT_URLCONF
    if default_language == settings.LANGUAGE_CODE:
        return root
    return _urlconf_module(root, default_language)


@lru_cache(maxsize=16)
def _urlconf_module(root_name: str, default_language: str) -> str | ModuleType:
    root = import_module(root_name)
    build = getattr(root, "store_urlpatterns", None)
    if build is None:
        return root_name
    module = ModuleType(f"{root.__name__}[{default_language}]")
    module.urlpatterns = build(default_language)  # type: ignore[attr-defined]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        if hasattr(root, name):
            setattr(module, name, getattr(root, name))
    return module


@dataclass(frozen=True)
class StoreLanguages:
    default: str
    enabled: tuple[str, ...]

    def prefix(self, language: str) -> str:
        """The path prefix of `language` ("" for the default, "/de" for German)."""
        return "" if language == self.default else f"/{language}"


def store_languages(request: HttpRequest | None = None) -> StoreLanguages:
    """The current store's default and enabled languages (from the request when the middleware
    has set them, else from the cached store settings)."""
    found = getattr(request, "store_languages", None)
    if isinstance(found, StoreLanguages):
        return found
    row = store_settings_get()
    return StoreLanguages(default=row.default_language, enabled=tuple(row.languages))


def path_language(path: str) -> str | None:
    """The platform language a path starts with ("/de/..." -> "de"), or None."""
    match = _PREFIX_RE.match(path)
    if match is None:
        return None
    code = match.group(1)
    return code if code in {code for code, _name in settings.LANGUAGES} else None


def _outside_storefront(urlconf: Any, path: str) -> bool:
    """True for paths served by a top-level pattern other than the language-prefixed
    storefront (dashboard, /accounts/, /i18n/, /media/, robots.txt, sitemaps)."""
    remainder = path[1:]
    for pattern in get_resolver(urlconf).url_patterns:
        if isinstance(pattern, URLResolver) and isinstance(pattern.pattern, LocalePrefixPattern):
            continue
        if pattern.pattern.match(remainder):
            return True
    return False


class StoreLocaleMiddleware(LocaleMiddleware):
    """Django's `LocaleMiddleware` on the platform's host; the rules above on a store's."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:  # type: ignore[override]
        if not in_store():
            super().process_request(request)
            return None
        # Imported here: the page cache's modules import this one.
        from apps.storefront.page_cache import page_cache_prefetch

        page_cache_prefetch(request)  # reads the store's settings along with what it needs
        try:
            languages = store_languages()
        except (DatabaseError, StoreSettingsError):
            # The store's settings cannot be read (the database is what failed): serve in the
            # platform's language so the error page that follows can still be drawn.
            logger.warning("store languages unavailable, using the platform default", exc_info=True)
            languages = StoreLanguages(default=settings.LANGUAGE_CODE, enabled=(settings.LANGUAGE_CODE,))
        request.store_languages = languages  # type: ignore[attr-defined]
        # A module object is a valid URLconf for Django (get_resolver imports only strings).
        urlconf: Any = store_urlconf(languages.default)
        request.urlconf = urlconf
        set_urlconf(urlconf)  # for anything that reverses before the handler sets it
        prefixed = path_language(request.path_info)
        language = languages.default
        if prefixed is not None:
            if prefixed == languages.default:
                target = request.path_info[len(prefixed) + 1 :] or "/"
                query = request.META.get("QUERY_STRING", "")
                script = request.path[: len(request.path) - len(request.path_info)]
                return HttpResponsePermanentRedirect(f"{script}{target}{'?' + query if query else ''}")
            if prefixed in languages.enabled:
                language = prefixed
            else:
                request.storefront_language_refused = True  # type: ignore[attr-defined]
            request.storefront_language = language  # type: ignore[attr-defined]
        elif _outside_storefront(urlconf, request.path_info):
            language = translation.get_language_from_request(request, check_path=False)
        else:
            request.storefront_language = language  # type: ignore[attr-defined]
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        return None

    def process_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if getattr(request, "storefront_language_refused", False):
            raise Http404("language not enabled for this store")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        languages = getattr(request, "store_languages", None)
        if languages is None:
            return super().process_response(request, response)
        language = getattr(request, "storefront_language", None)
        if language is None:
            # Chosen from the cookie or Accept-Language: caches must keep one copy per language.
            patch_vary_headers(response, ("Accept-Language",))
        elif not getattr(request, "storefront_language_refused", False):
            self._remember(request, response, language, languages)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    @staticmethod
    def _remember(
        request: HttpRequest, response: HttpResponseBase, language: str, languages: StoreLanguages
    ) -> None:
        """Keep the page's language in the language cookie, so /accounts/ pages opened from it
        speak it too. A first visit in the default language sets nothing."""
        current = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if current == language or (current is None and language == languages.default):
            return
        if response.status_code >= 400:
            return
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
