"""Storefront URLs: the blog's feeds (mounted in apps.storefront.urls, before Wagtail's
catch-all serves the blog itself)."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import content_feeds

urlpatterns: list[URLPattern | URLResolver] = [
    path("blog/feed/rss/", content_feeds.blog_feed_rss, name="blog_feed_rss"),
    path("blog/feed/atom/", content_feeds.blog_feed_atom, name="blog_feed_atom"),
]
