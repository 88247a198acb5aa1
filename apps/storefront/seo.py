"""What a storefront page tells search engines and link previews: title, description,
canonical URL, hreflang alternates, Open Graph and Twitter cards, schema.org JSON-LD.

A view builds its page's metadata with `page_meta` and passes it as `meta`; `base.html` renders
it (`{% seo_head %}`), and a page that passes nothing still gets the store's name, its
canonical URL and its alternates::

    from apps.storefront.seo import page_meta, json_ld_breadcrumbs

    meta = page_meta(
        request,
        title=product.seo_title or product.title,
        description=product.seo_description or product.description,  # HTML is stripped
        image_url=image.url,  # absolute or site-relative
        og_type="product",
        json_ld=[{"@context": "https://schema.org", "@type": "Product", ...}],
    )
    return render(request, "storefront/catalog/product.html", {"meta": meta, ...})

Every absolute URL is built from the store's primary domain (`apps.tenants.links`), never from
the request's Host header, so a page reached through another of the store's hosts still names
the primary one as canonical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from apps.core.tenancy import NotInStoreError, current_tenant
from apps.storefront.i18n import StoreLanguages, store_languages
from apps.stores.errors import StoreSettingsError
from apps.stores.selectors import store_settings_get
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant

DESCRIPTION_MAX_LENGTH = 160
_BASE_URL_ATTRIBUTE = "_storefront_base_url"
BASE_URL_CACHE_KEY = "storefront:base_url"
# The characters that could end a <script> element or open a comment inside it; escaped as
# JSON unicode escapes (what django.utils.html.json_script does).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def base_url(request: HttpRequest | None = None) -> str:
    """The store's canonical origin ("https://shop.example.com"), from its primary domain.

    Kept in the store's cache for TENANT_ROUTING_CACHE_SECONDS (a change of primary domain
    reaches canonical URLs as fast as it reaches routing) and on the request, so a warm page
    reads no domain row."""
    cached = getattr(request, _BASE_URL_ATTRIBUTE, None)
    if cached:
        return str(cached)
    url = cache.get(BASE_URL_CACHE_KEY)
    if not isinstance(url, str) or not url:
        tenant = getattr(request, "tenant", None) or current_tenant()
        if not isinstance(tenant, Tenant):
            tenant = Tenant.objects.get(schema_name=tenant.schema_name)
        url = store_base_url(tenant)
        cache.set(BASE_URL_CACHE_KEY, url, settings.TENANT_ROUTING_CACHE_SECONDS)
    if request is not None:
        setattr(request, _BASE_URL_ATTRIBUTE, url)
    return url


def absolute_url(request: HttpRequest | None, path_or_url: str) -> str:
    """`path_or_url` on the store's canonical origin; absolute http(s) URLs are kept."""
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    if not path_or_url.startswith("/"):
        path_or_url = "/" + path_or_url
    return base_url(request) + path_or_url


@dataclass(frozen=True)
class Alternate:
    language: str  # hreflang: a language code, or "x-default"
    url: str


def is_storefront_page(request: HttpRequest) -> bool:
    """True for the language-prefixed storefront pages; False for /accounts/, the dashboard and
    the other unprefixed areas, whose address is the same in every language (the language comes
    from the cookie there)."""
    return getattr(request, "storefront_language", None) is not None


def language_paths(request: HttpRequest, path: str | None = None) -> dict[str, str]:
    """The same page in each of the store's enabled languages: {language: path}."""
    languages = store_languages(request)
    current = path if path is not None else request.path
    return {language: translate_url(current, language) for language in languages.enabled}


def alternates(request: HttpRequest, path: str | None = None, *, query: str = "") -> list[Alternate]:
    """hreflang alternates of a page: one per enabled language, and x-default (the default
    language's address). Empty when the store has a single language."""
    languages = store_languages(request)
    if len(languages.enabled) < 2 or not is_storefront_page(request):
        return []
    suffix = f"?{query}" if query else ""
    paths = language_paths(request, path)
    found = [Alternate(language, absolute_url(request, url) + suffix) for language, url in paths.items()]
    found.append(Alternate("x-default", absolute_url(request, paths[languages.default]) + suffix))
    return found


def json_ld_script(data: Mapping[str, Any]) -> SafeString:
    """`data` as a `<script type="application/ld+json">` element, safe for any text inside."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


@dataclass(frozen=True)
class PageMeta:
    title: str
    site_name: str
    description: str
    canonical_url: str
    alternates: list[Alternate] = field(default_factory=list)
    og_type: str = "website"
    image_url: str = ""
    locale: str = ""
    noindex: bool = False
    json_ld: tuple[SafeString, ...] = ()

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image_url else "summary"


def _store_name() -> str:
    try:
        return store_settings_get().name
    except (DatabaseError, NotInStoreError, StoreSettingsError):
        # An error page must render even when the database is what failed.
        return str(getattr(current_tenant(), "name", "") or "")


def description_clean(text: str) -> str:
    """Plain text of at most DESCRIPTION_MAX_LENGTH characters (cut at a word)."""
    plain = " ".join(strip_tags(text or "").split())
    return Truncator(plain).chars(DESCRIPTION_MAX_LENGTH)


def page_meta(
    request: HttpRequest,
    *,
    title: str = "",
    description: str = "",
    path: str | None = None,
    query: Mapping[str, Any] | None = None,
    og_type: str = "website",
    image_url: str = "",
    noindex: bool = False,
    json_ld: Iterable[Mapping[str, Any]] = (),
) -> PageMeta:
    """The metadata of one storefront page.

    `title` is the page's own ("Linen shirt"); the store's name is added ("Linen shirt – Shop").
    `path` defaults to the request's path; `query` holds the parameters that make a different
    page (`{"page": 2}`), and only those go into the canonical URL and the alternates.
    """
    name = _store_name()
    full_title = f"{title} – {name}" if title and title != name else (title or name)
    query_string = urlencode({key: value for key, value in (query or {}).items() if value not in (None, "")})
    page_path = path if path is not None else request.path
    canonical = absolute_url(request, page_path) + (f"?{query_string}" if query_string else "")
    return PageMeta(
        title=full_title,
        site_name=name,
        description=description_clean(description) or full_title,
        canonical_url=canonical,
        alternates=[] if noindex else alternates(request, page_path, query=query_string),
        og_type=og_type,
        image_url=absolute_url(request, image_url) if image_url else "",
        locale=to_locale(get_language() or "en"),
        noindex=noindex,
        json_ld=tuple(json_ld_script(item) for item in json_ld),
    )


def _language_prefix(languages: StoreLanguages) -> str:
    return languages.prefix(get_language() or languages.default)


def organization_json_ld(request: HttpRequest) -> dict[str, Any]:
    row = store_settings_get()
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": row.name,
        "url": absolute_url(request, "/"),
    }
    if row.contact_email:
        data["email"] = row.contact_email
    if row.contact_phone:
        data["telephone"] = row.contact_phone
    if row.city or row.country:
        address = {
            "@type": "PostalAddress",
            "streetAddress": " ".join(p for p in (row.address_line1, row.address_line2) if p),
            "addressLocality": row.city,
            "addressRegion": row.region,
            "postalCode": row.postal_code,
            "addressCountry": row.country,
        }
        data["address"] = {key: value for key, value in address.items() if value}
    return data


def website_json_ld(request: HttpRequest) -> dict[str, Any]:
    """WebSite with a SearchAction on the store's search page, in the page's language."""
    languages = store_languages(request)
    home = absolute_url(request, _language_prefix(languages) + "/")
    search = absolute_url(request, _language_prefix(languages) + "/search/")
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": _store_name(),
        "url": home,
        "inLanguage": get_language() or languages.default,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": search + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumbs_json_ld(request: HttpRequest, crumbs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """BreadcrumbList from (name, path) pairs, home first."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": index, "name": name, "item": absolute_url(request, path)}
            for index, (name, path) in enumerate(crumbs, start=1)
        ],
    }


def default_description() -> str:
    return _("Shop online at %(name)s.") % {"name": _store_name()}
