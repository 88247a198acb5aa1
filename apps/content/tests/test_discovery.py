"""How shoppers find a store's content: the blog's RSS and Atom feeds, the sitemap's "content"
section, site search's "Articles" and the storefront API's blog. Only live, public posts of the
store itself ever appear: never a draft, a scheduled or a private post, never another store's."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, PageViewRestriction

from apps.content.models import BlogCategory, BlogIndexPage, BlogPostPage
from apps.storefront.seo import base_url
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

API = "/api/v1/storefront"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _post(
    world: StoreWorld,
    title: str,
    *,
    date: datetime.date | None = None,
    publish: bool = True,
    tags: tuple[str, ...] = (),
    category: BlogCategory | None = None,
    body: str = "",
) -> BlogPostPage:
    with schema_context(world.tenant.schema_name):
        blog = BlogIndexPage.objects.get(locale=Locale.get_default())
        post = blog.add_child(
            instance=BlogPostPage(
                title=title,
                slug=title.lower().replace(" ", "-"),
                locale=blog.locale,
                date=date,
                intro=f"About {title}.",
                body=[("paragraph", f"<p>{body or title}</p>")],
                live=False,
            )
        )
        if tags:
            post.tags.add(*tags)
        if category is not None:
            post.categories.add(category)
        revision = post.save_revision()
        if publish:
            revision.publish()
        post.refresh_from_db()
        return post


def _hidden_posts(world: StoreWorld) -> None:
    """A draft, a post scheduled for tomorrow and a password-protected post."""
    _post(world, "Draft Secret", publish=False)
    with schema_context(world.tenant.schema_name):
        scheduled = _post(world, "Scheduled Secret", publish=False)
        scheduled.go_live_at = timezone.now() + datetime.timedelta(days=1)
        scheduled.save_revision().publish()
    private = _post(world, "Private Secret")
    with schema_context(world.tenant.schema_name):
        PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.PASSWORD, password="hush"
        )
    cache.clear()


def _origin(world: StoreWorld) -> str:
    with schema_context(world.tenant.schema_name):
        cache.clear()
        return base_url()


# ------------------------------------------------------------------------------
# feeds
# ------------------------------------------------------------------------------
def test_the_rss_feed_lists_live_public_posts_newest_first_with_absolute_urls(alpha):
    _post(alpha, "Older Post", date=datetime.date(2026, 1, 5), tags=("linen",))
    _post(alpha, "Newer Post", date=datetime.date(2026, 3, 1))
    _hidden_posts(alpha)
    origin = _origin(alpha)

    response = store_client(alpha).get("/blog/feed/rss/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    assert channel.findtext("link") == f"{origin}/blog/"
    assert channel.findtext("language") == "en"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Newer Post", "Older Post"]
    assert items[1].findtext("link") == f"{origin}/blog/older-post/"
    assert items[1].findtext("description") == "About Older Post."
    assert [c.text for c in items[1].findall("category")] == ["linen"]
    assert "Secret" not in response.content.decode()


def test_the_atom_feed_lists_the_same_posts(alpha):
    _post(alpha, "Atom Post")
    _hidden_posts(alpha)
    origin = _origin(alpha)

    response = store_client(alpha).get("/blog/feed/atom/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Atom Post"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"{origin}/blog/atom-post/"  # type: ignore[union-attr]
    assert "Secret" not in response.content.decode()


def test_the_feed_holds_the_newest_posts_only(alpha, monkeypatch):
    monkeypatch.setattr("apps.storefront.views.content_feeds.FEED_POSTS", 2)
    for day in (1, 2, 3):
        _post(alpha, f"Day {day}", date=datetime.date(2026, 2, day))
    channel = ET.fromstring(store_client(alpha).get("/blog/feed/rss/").content).find("channel")
    assert channel is not None
    assert [item.findtext("title") for item in channel.findall("item")] == ["Day 3", "Day 2"]


def test_the_blog_links_its_feeds(alpha):
    html = store_client(alpha).get("/blog/").content.decode()
    assert 'type="application/rss+xml"' in html and 'href="/blog/feed/rss/"' in html
    assert 'href="/blog/feed/atom/"' in html


# ------------------------------------------------------------------------------
# sitemap
# ------------------------------------------------------------------------------
def _sitemap_urls(client: Any, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, path
    root = ET.fromstring(b"".join(response.streaming_content))
    return {url.findtext(f"{SITEMAP}loc") or "": url for url in root.findall(f"{SITEMAP}url")}


def test_the_sitemap_lists_live_public_pages_with_their_last_publication(alpha):
    _post(alpha, "Mapped Post")
    _hidden_posts(alpha)
    origin = _origin(alpha)
    client = store_client(alpha)

    index = client.get("/sitemap.xml").content.decode()
    assert f"{origin}/sitemap-content-1.xml" in index
    urls = _sitemap_urls(client, "/sitemap-content-1.xml")

    assert {f"{origin}/blog/", f"{origin}/about/", f"{origin}/faq/", f"{origin}/blog/mapped-post/"} <= set(
        urls
    )
    assert not [url for url in urls if "secret" in url]
    assert f"{origin}/" not in urls  # the storefront's home is in the "pages" section
    lastmod = urls[f"{origin}/blog/mapped-post/"].findtext(f"{SITEMAP}lastmod")
    assert lastmod == timezone.now().date().isoformat()


def test_each_translation_is_an_address_of_its_own_with_its_alternates(alpha):
    with schema_context(alpha.tenant.schema_name):
        data = StoreSettingsInput.from_settings(
            store_settings_get(), languages=("en", "de"), default_language="en"
        )
        store_settings_update(data=data)
    post = _post(alpha, "Bilingual Post")
    with schema_context(alpha.tenant.schema_name):
        german = post.copy_for_translation(Locale.objects.get(language_code="de"), copy_parents=True)
        german.save_revision().publish()  # its blog and home are aliases of the live English ones
    origin = _origin(alpha)

    urls = _sitemap_urls(store_client(alpha), "/sitemap-content-1.xml")

    english, german_url = f"{origin}/blog/bilingual-post/", f"{origin}/de/blog/bilingual-post/"
    assert {english, german_url} <= set(urls)
    links = {
        link.get("hreflang"): link.get("href")
        for link in urls[german_url].findall("{http://www.w3.org/1999/xhtml}link")
    }
    assert links == {"en": english, "de": german_url, "x-default": english}

    response = store_client(alpha).get("/de/blog/feed/rss/")
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None and channel.findtext("language") == "de"
    assert [item.findtext("link") for item in channel.findall("item")] == [german_url]


# ------------------------------------------------------------------------------
# search
# ------------------------------------------------------------------------------
def test_search_finds_posts_and_pages_under_articles(alpha):
    _post(alpha, "Linen Guide", body="Everything about flax weaving.")
    _post(alpha, "Draft Flax", publish=False, body="flax")

    html = store_client(alpha).get("/search/", {"q": "flax"}).content.decode()

    articles = html.split('class="sf-search-articles"')[1]
    assert 'href="/blog/linen-guide/"' in articles and "Linen Guide" in articles
    assert "Draft Flax" not in html
    nothing = store_client(alpha).get("/search/", {"q": "zzzunmatched"}).content.decode()
    assert "sf-search-articles" not in nothing


def test_the_articles_found_are_kept_until_something_is_published(alpha):
    """A search's articles are cached under the theme version: a catalog change keeps them (no
    content query), a publish retires them (the new post shows at once)."""
    from apps.storefront.caching import catalog_version_bump

    _post(alpha, "Wool Guide", body="All about merino.")
    client = store_client(alpha)
    assert "Wool Guide" in client.get("/search/", {"q": "merino"}).content.decode()
    with schema_context(alpha.tenant.schema_name):
        catalog_version_bump()  # past the page cache: the page renders again
    with CaptureQueriesContext(connection) as queries:
        client.get("/search/", {"q": "merino"})
    assert not [q for q in queries.captured_queries if "wagtailsearch" in q["sql"]]

    _post(alpha, "Merino Care", body="Washing merino.")
    assert "Merino Care" in client.get("/search/", {"q": "merino"}).content.decode()


# ------------------------------------------------------------------------------
# storefront API
# ------------------------------------------------------------------------------
def _api(world: StoreWorld, path: str, params: dict[str, Any] | None = None) -> Any:
    return store_client(world).get(f"{API}/{path}", params or {})


def test_the_api_lists_posts_newest_first_filtered_by_tag_or_category(alpha):
    with schema_context(alpha.tenant.schema_name):
        guides = BlogCategory.objects.create(name="Guides", slug="guides", locale=Locale.get_default())
    _post(alpha, "First Post", date=datetime.date(2026, 1, 1), tags=("linen",))
    _post(alpha, "Second Post", date=datetime.date(2026, 2, 1), category=guides)
    _hidden_posts(alpha)
    origin = _origin(alpha)

    body = _api(alpha, "blog/posts").json()

    assert body["error"] is None
    assert [post["title"] for post in body["data"]] == ["Second Post", "First Post"]
    first = body["data"][1]
    assert first["url"] == f"{origin}/blog/first-post/"
    assert first["tags"] == ["linen"] and first["published_on"] == "2026-01-01"
    assert body["meta"]["total"] == 2
    assert [p["slug"] for p in _api(alpha, "blog/posts", {"tag": "linen"}).json()["data"]] == ["first-post"]
    by_category = _api(alpha, "blog/posts", {"category": "guides"}).json()["data"]
    assert [p["slug"] for p in by_category] == ["second-post"]
    assert by_category[0]["categories"] == [{"slug": "guides", "name": "Guides"}]
    assert _api(alpha, "blog/posts", {"page": 2, "per_page": 1}).json()["data"][0]["slug"] == "first-post"


def test_the_api_answers_one_post_with_its_body_as_html(alpha):
    _post(alpha, "Detailed Post", body="Wash <b>cold</b>.")
    _hidden_posts(alpha)

    response = _api(alpha, "blog/posts/detailed-post")

    assert response.status_code == 200
    post = response.json()["data"]
    assert "<b>cold</b>" in post["body_html"]
    assert post["reading_minutes"] == 1 and post["hero_image_url"] is None
    for slug in ("draft-secret", "scheduled-secret", "private-secret", "nothing-here"):
        assert _api(alpha, f"blog/posts/{slug}").status_code == 404, slug
    assert _api(alpha, "blog/posts", {"language": "xx"}).status_code == 400


def test_the_post_list_costs_the_same_queries_at_2_and_8_posts(alpha):
    counts = []
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        image = Image.objects.create(title="Hero", file=get_test_image_file())
    for total in (2, 8):
        with schema_context(alpha.tenant.schema_name):
            have = BlogPostPage.objects.count()
        for n in range(have, total):
            post = _post(alpha, f"Counted {n}", tags=("a", "b"))
            with schema_context(alpha.tenant.schema_name):
                BlogPostPage.objects.filter(pk=post.pk).update(hero_image=image)
        client.get(f"{API}/blog/posts")  # warm the store's cached settings and plan
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/blog/posts", {"per_page": 50})
        assert response.status_code == 200 and len(response.json()["data"]) == total
        assert all(p["hero_image_url"].startswith("http") for p in response.json()["data"])
        counts.append(len(queries))
    print(f"\nblog/posts: queries at 2 and 8 posts: {counts}")
    assert counts[0] == counts[1] == BLOG_POST_LIST_QUERIES, counts


# Pinned, with warm caches: the store's schema, the view restrictions (Wagtail's `public()`), the
# count, the page of posts (author, hero image and locale joined), their tags, their categories,
# their hero images' renditions (made once, on the first read).
# Page URLs come from Wagtail's cached site root paths, not from a Site lookup per request.
BLOG_POST_LIST_QUERIES = 7


# ------------------------------------------------------------------------------
# isolation
# ------------------------------------------------------------------------------
def test_store_beta_never_shows_alphas_posts(alpha, beta):
    _post(alpha, "Alpha Only Post", body="alphaword")
    beta_client = store_client(beta)

    for path in ("/blog/feed/rss/", "/blog/feed/atom/"):
        assert "Alpha Only" not in beta_client.get(path).content.decode(), path
    assert not [url for url in _sitemap_urls(beta_client, "/sitemap-content-1.xml") if "alpha-only" in url]
    assert "Alpha Only" not in beta_client.get("/search/", {"q": "alphaword"}).content.decode()
    assert _api(beta, "blog/posts").json()["data"] == []
    assert _api(beta, "blog/posts/alpha-only-post").status_code == 404
