"""robots.txt and the sitemaps of a store, every address built from its primary domain.

/sitemap.xml is a sitemap index naming one file per section and page:
/sitemap-<section>-<page>.xml with section "pages" (home and the policy pages the store has
written), "products" (active products), "collections" or "categories". Each file lists every
address in each of the store's enabled languages, each entry with its hreflang alternates (and
x-default), and holds at most STOREFRONT_SITEMAP_MAX_URLS entries (50,000 is the sitemaps.org
limit): past it, the index lists the next page. Section "content" holds the store's live, public
Wagtail pages (blog, posts, about, FAQ, landing pages): each language's translation is an
address of its own (a page exists only in the languages it was translated into), with the
alternates of its translations in the same file and the date it was last published. Rows are
read in primary-key order (content: by translation) with OFFSET/LIMIT, read whole in the view (in the store's schema, while the request holds it), and
the XML is streamed, so the text of a page of 50,000 entries is never held in memory at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from apps.catalog.selectors import category_paths, collection_handles, product_active_handles
from apps.content.discovery import SitemapPage, sitemap_page_count, sitemap_pages
from apps.core.permissions import no_permission_required
from apps.storefront.i18n import StoreLanguages, store_languages
from apps.storefront.policies import policies_published
from apps.storefront.seo import base_url
from apps.stores.selectors import store_settings_get

SITEMAP_CACHE_SECONDS = 60 * 60
# Private areas: also refused under each language prefix ("/de/cart/").
ROBOTS_DISALLOW = ("/dashboard/", "/cart/", "/account/", "/accounts/")
_PREFIXED_DISALLOW = ("/cart/", "/account/")

Row = tuple[str, datetime | None]


@dataclass(frozen=True)
class Section:
    """One kind of address: how to count and read its rows, and the path of a row."""

    key: str
    count: Callable[[], int]
    rows: Callable[[int, int], list[Row]]
    path: Callable[[str], str]
    per_language: bool = True  # False: each row is one address already (its own language)


def _queryset_section(key: str, queryset: Callable[[], QuerySet], prefix: str) -> Section:
    return Section(
        key=key,
        count=lambda: queryset().count(),
        rows=lambda start, stop: list(queryset()[start:stop]),
        path=lambda value: f"/{prefix}/{quote(value, safe='/')}/",
    )


def _page_rows() -> list[Row]:
    row = store_settings_get()
    rows: list[Row] = [("/", None)]
    rows += [(f"/pages/{kind.slug}/", row.updated_at) for kind in policies_published(row)]
    return rows


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in (
        Section(
            key="pages",
            count=lambda: len(_page_rows()),
            rows=lambda start, stop: _page_rows()[start:stop],
            path=lambda value: value,
        ),
        _queryset_section("products", product_active_handles, "products"),
        _queryset_section("collections", collection_handles, "collections"),
        _queryset_section("categories", category_paths, "categories"),
        Section(
            key="content",
            count=sitemap_page_count,
            rows=lambda start, stop: [],  # read by `_content_entries` (rows of another shape)
            path=lambda value: value,
            per_language=False,
        ),
    )
}


def _rows_per_file(languages: StoreLanguages, section: Section | None = None) -> int:
    """Objects per file: each object is one entry per enabled language (one entry in a section
    whose rows are addresses already)."""
    if section is not None and not section.per_language:
        return max(1, settings.STOREFRONT_SITEMAP_MAX_URLS)
    return max(1, settings.STOREFRONT_SITEMAP_MAX_URLS // len(languages.enabled))


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{moment.date().isoformat()}</lastmod>" if moment else ""


@require_safe
@no_permission_required("robots.txt is public")
def robots_txt(request: HttpRequest) -> HttpResponse:
    languages = store_languages(request)
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    for language in languages.enabled:
        if language != languages.default:
            lines += [f"Disallow: {languages.prefix(language)}{path}" for path in _PREFIXED_DISALLOW]
    lines += ["", f"Sitemap: {base_url(request)}/sitemap.xml", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SITEMAP_CACHE_SECONDS}"
    return response


@require_safe
@no_permission_required("the sitemap is public")
def sitemap_index(request: HttpRequest) -> HttpResponse:
    languages = store_languages(request)
    origin = base_url(request)
    entries = []
    for section in SECTIONS.values():
        files = math.ceil(section.count() / _rows_per_file(languages, section))
        entries += [
            f"<sitemap><loc>{escape(origin)}/sitemap-{section.key}-{page}.xml</loc></sitemap>"
            for page in range(1, files + 1)
        ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</sitemapindex>\n"
    )
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SITEMAP_CACHE_SECONDS}"
    return response


def _entries(rows: Iterable[Row], section: Section, origin: str, languages: StoreLanguages) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    )
    several = len(languages.enabled) > 1
    for value, updated in rows:
        path = section.path(value)
        urls = {language: f"{origin}{languages.prefix(language)}{path}" for language in languages.enabled}
        links = ""
        if several:
            links = (
                "".join(
                    f'<xhtml:link rel="alternate" hreflang="{language}" href={quoteattr(url)}/>'
                    for language, url in urls.items()
                )
                + f'<xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(urls[languages.default])}/>'
            )
        lastmod = _lastmod(updated)
        yield "".join(f"<url><loc>{escape(url)}</loc>{lastmod}{links}</url>\n" for url in urls.values())
    yield "</urlset>\n"


def _content_entries(pages: list[SitemapPage], origin: str, default_language: str) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    )
    translations: dict[str, dict[str, str]] = {}
    for page in pages:
        translations.setdefault(page.translation_key, {})[page.language] = f"{origin}{page.path}"
    for page in pages:
        urls = translations[page.translation_key]
        links = ""
        if len(urls) > 1:
            links = "".join(
                f'<xhtml:link rel="alternate" hreflang="{language}" href={quoteattr(url)}/>'
                for language, url in urls.items()
            )
            default = urls.get(default_language)
            if default:
                links += f'<xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(default)}/>'
        yield f"<url><loc>{escape(origin + page.path)}</loc>{_lastmod(page.last_modified)}{links}</url>\n"
    yield "</urlset>\n"


@require_safe
@no_permission_required("the sitemap is public")
def sitemap_section(request: HttpRequest, section: str, page: int) -> StreamingHttpResponse:
    found = SECTIONS.get(section)
    if found is None or page < 1:
        raise Http404("no such sitemap")
    languages = store_languages(request)
    per_file = _rows_per_file(languages, found)
    start = (page - 1) * per_file
    if start and start >= found.count():
        raise Http404("no such sitemap page")
    entries: Iterator[str]
    if found.per_language:
        rows = found.rows(start, start + per_file)
        entries = _entries(rows, found, base_url(request), languages)
    else:
        pages = sitemap_pages(start, start + per_file, request)
        entries = _content_entries(pages, base_url(request), languages.default)
    response = StreamingHttpResponse(entries, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SITEMAP_CACHE_SECONDS}"
    return response
