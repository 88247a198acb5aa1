"""RSS and Atom feeds of the store's blog: /blog/feed/rss/ and /blog/feed/atom/ (and under each
language's prefix, /de/blog/feed/rss/), the newest FEED_POSTS live, public posts in the
request's language, every link absolute on the store's canonical origin (its primary domain,
never the request's Host)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.content.discovery import FEED_POSTS, active_language, blog_index_get, page_path, post_list
from apps.content.models import BlogIndexPage, BlogPostPage
from apps.core.permissions import no_permission_required
from apps.storefront.seo import absolute_url
from apps.stores.selectors import store_settings_get

FEED_CACHE_SECONDS = 15 * 60
WHY = "the blog's feeds list published, public posts only"


class BlogRssFeed(Feed):  # type: ignore[type-arg]
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> BlogIndexPage:
        blog = blog_index_get(language=active_language())
        if blog is None:
            raise Http404(_("This store has no blog."))
        self.language = blog.locale.language_code
        return blog

    def _url(self, page: Any) -> str:
        return absolute_url(self.request, page_path(page, self.request) or "/")

    def title(self, blog: BlogIndexPage) -> str:
        return f"{blog.title} · {store_settings_get().name}"

    def link(self, blog: BlogIndexPage) -> str:
        return self._url(blog)

    def feed_url(self, blog: BlogIndexPage) -> str:
        return absolute_url(self.request, self.request.path)

    def description(self, blog: BlogIndexPage) -> str:
        return blog.search_description or _("The latest posts from %(store)s.") % {
            "store": store_settings_get().name
        }

    def subtitle(self, blog: BlogIndexPage) -> str:
        return self.description(blog)

    def items(self, blog: BlogIndexPage) -> list[BlogPostPage]:
        return list(post_list(language=blog.locale.language_code).prefetch_related("tags")[:FEED_POSTS])

    def item_title(self, post: BlogPostPage) -> str:
        return post.title

    def item_link(self, post: BlogPostPage) -> str:
        return self._url(post)

    def item_guid(self, post: BlogPostPage) -> str:
        return self._url(post)

    def item_description(self, post: BlogPostPage) -> str:
        return post.intro or post.search_description

    def item_author_name(self, post: BlogPostPage) -> str | None:
        return post.byline or None

    def item_pubdate(self, post: BlogPostPage) -> datetime.datetime | None:
        if post.date is not None:
            moment = datetime.datetime.combine(post.date, datetime.time())
            return timezone.make_aware(moment, datetime.UTC)
        return post.first_published_at

    def item_updateddate(self, post: BlogPostPage) -> datetime.datetime | None:
        return post.last_published_at

    def item_categories(self, post: BlogPostPage) -> list[str]:
        return [tag.name for tag in post.tags.all()]


class BlogAtomFeed(BlogRssFeed):
    feed_type = Atom1Feed


def _serve(feed: Feed, request: HttpRequest) -> HttpResponse:  # type: ignore[type-arg]
    response = feed(request)
    response["Cache-Control"] = f"public, max-age={FEED_CACHE_SECONDS}"
    return response


@require_safe
@no_permission_required(WHY)
def blog_feed_rss(request: HttpRequest) -> HttpResponse:
    return _serve(BlogRssFeed(), request)


@require_safe
@no_permission_required(WHY)
def blog_feed_atom(request: HttpRequest) -> HttpResponse:
    return _serve(BlogAtomFeed(), request)
