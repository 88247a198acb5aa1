"""Reads of a store's content for shoppers finding it: the blog's feeds, the sitemap, site search
and the storefront API.

Only pages a signed-out shopper may open are ever returned: live (published, not expired, not
merely scheduled) and public (no view restriction on the page or an ancestor). Everything is read
in the current schema, so one store never sees another's pages. Posts are in one locale (the
request's language); the sitemap lists every language's translation as a page of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Locale, Page

from apps.content.models import BlogCategory, BlogIndexPage, BlogPostPage

FEED_POSTS = 20
SEARCH_RESULTS = 10
LOCALE_CACHE_PREFIX = "content:locale-id"
LOCALE_CACHE_SECONDS = 60 * 60


def locale_id(language: str) -> int | None:
    """The id of the store's locale of `language`, kept in the store's cache (locales are made
    at provisioning and hardly ever change): search filters on the id, not through a join."""
    key = f"{LOCALE_CACHE_PREFIX}:{language}"
    found = cache.get(key)
    if found is None:
        found = Locale.objects.filter(language_code=language).values_list("pk", flat=True).first() or 0
        cache.set(key, found, LOCALE_CACHE_SECONDS)
    return int(found) or None


def page_path(page: Page, request: HttpRequest | None = None) -> str:
    """A page's address on the store's site ("/de/blog/post/"), or "" when it has none. Unlike
    `Page.get_url` this never looks the Site up by the request's host (a query per request)."""
    parts = page.get_url_parts(request)
    return str(parts[2]) if parts is not None and parts[2] else ""


def active_language() -> str:
    """The language code of the request's locale (Wagtail's locales use the same codes)."""
    return (get_language() or "").split("-")[0] or Locale.get_default().language_code


# ------------------------------------------------------------------------------
# the blog
# ------------------------------------------------------------------------------
def blog_index_get(*, language: str) -> BlogIndexPage | None:
    """The live, public blog of `language`, else of the store's default language."""
    blogs = BlogIndexPage.objects.live().public().select_related("locale").order_by("path")
    return blogs.filter(locale__language_code=language).first() or blogs.first()


def post_list(
    *, language: str, tag: str = "", category: str = "", blog: BlogIndexPage | None = None
) -> QuerySet[BlogPostPage]:
    """Live, public posts in `language`, newest first (the post's date, else its first
    publication), with what a list shows joined or prefetched."""
    posts = (
        BlogPostPage.objects.live()
        .public()
        .filter(locale__language_code=language)
        .select_related("hero_image", "author", "locale")
        .annotate(published=Coalesce(F("date"), TruncDate("first_published_at")))
    )
    if blog is not None:
        posts = posts.child_of(blog)
    if tag:
        posts = posts.filter(tags__slug=tag)
    if category:
        posts = posts.filter(categories__slug=category)
    if tag or category:
        posts = posts.distinct()
    return posts.order_by(F("published").desc(nulls_last=True), "-first_published_at", "-pk")


def post_list_prefetched(posts: QuerySet[BlogPostPage]) -> QuerySet[BlogPostPage]:
    return posts.prefetch_related("tags", "categories")


def post_get(*, slug: str, language: str) -> BlogPostPage | None:
    """One live, public post by its slug, in `language` if it has a translation there."""
    posts = (
        BlogPostPage.objects.live()
        .public()
        .filter(slug=slug)
        .select_related("hero_image", "author", "locale")
        .prefetch_related("tags", "categories")
    )
    return posts.filter(locale__language_code=language).first() or posts.order_by("pk").first()


def category_exists(*, slug: str) -> bool:
    return BlogCategory.objects.filter(slug=slug).exists()


# ------------------------------------------------------------------------------
# the sitemap
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitemapPage:
    path: str  # site-relative, with the language prefix of the page's locale
    last_modified: datetime | None
    language: str
    translation_key: str


def _sitemap_queryset() -> QuerySet[Page]:
    # Below the store's home page (depth 2), which the storefront's own home answers.
    return Page.objects.live().public().filter(depth__gt=2)


def sitemap_page_count() -> int:
    return _sitemap_queryset().count()


def sitemap_pages(start: int, stop: int, request: HttpRequest | None = None) -> list[SitemapPage]:
    """Live public pages of the store in every language, translations next to each other."""
    pages = _sitemap_queryset().select_related("locale").order_by("translation_key", "locale_id", "pk")
    found = []
    for page in pages[start:stop]:
        path = page_path(page, request)
        if not path:  # outside the store's Site (an orphan tree): no address to list
            continue
        found.append(
            SitemapPage(
                path=path,
                last_modified=page.last_published_at,
                language=page.locale.language_code,
                translation_key=str(page.translation_key),
            )
        )
    return found


# ------------------------------------------------------------------------------
# site search
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleHit:
    title: str
    url: str
    summary: str


def content_search(*, query: str, language: str, request: HttpRequest | None = None) -> list[ArticleHit]:
    """Live, public blog posts and pages in `language` matching `query` (Wagtail's search
    index, in the store's schema), best first."""
    locale = locale_id(language)
    if not query.strip() or locale is None:
        return []
    pages = (
        Page.objects.live()
        .public()
        .filter(depth__gt=2, locale_id=locale)
        .select_related("locale")
        .search(query, operator="and")[:SEARCH_RESULTS]
    )
    hits = []
    for page in pages:
        url = page_path(page, request)
        if url:
            hits.append(ArticleHit(title=page.title, url=url, summary=page.search_description))
    return hits
