"""SEO foundations of a store: robots.txt, the sitemap index and its pages, canonical URLs,
hreflang, Open Graph and JSON-LD, all built from the store's primary domain."""

from __future__ import annotations

import json
import re
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from apps.catalog.models import Category, Collection, Product
from apps.catalog.tests.factories import make_product
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from apps.tenants.domains import domain_set_primary
from apps.tenants.tests.factories import custom_domain
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _languages(world: StoreWorld, languages: tuple[str, ...], default: str) -> None:
    with _in(world):
        data = StoreSettingsInput.from_settings(
            store_settings_get(), languages=languages, default_language=default
        )
        store_settings_update(data=data)
    cache.clear()


def _xml(response) -> Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return ET.fromstring(body)


def _locs(root: Element) -> list[str]:
    return [loc.text or "" for loc in root.iterfind(".//s:loc", NS)]


def _primary(world: StoreWorld, host: str) -> None:
    domain = custom_domain(world.tenant, host)
    domain_set_primary(domain=domain)


def test_robots_txt_disallows_private_areas_in_every_language_and_names_the_sitemap(alpha):
    _languages(alpha, ("en", "de"), "en")
    response = store_client(alpha).get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for path in ("/dashboard/", "/cart/", "/account/", "/accounts/", "/de/cart/", "/de/account/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /es/cart/" not in lines  # Spanish is not enabled
    assert "Sitemap: http://alpha.platform.test/sitemap.xml" in lines


def test_robots_and_sitemap_use_the_primary_domain_not_the_host_header(alpha):
    _primary(alpha, "shop.alpha-example.com")
    with _in(alpha):
        make_product("Linen Shirt")
    client = store_client(alpha)  # the request comes in on alpha.platform.test
    assert "Sitemap: http://shop.alpha-example.com/sitemap.xml" in client.get("/robots.txt").content.decode()
    assert _locs(_xml(client.get("/sitemap.xml")))[0].startswith("http://shop.alpha-example.com/")
    locs = _locs(_xml(client.get("/sitemap-products-1.xml")))
    assert "http://shop.alpha-example.com/products/linen-shirt/" in locs
    assert not any("platform.test" in loc for loc in locs)


def test_the_sitemap_lists_home_policies_active_products_collections_and_categories(alpha):
    with _in(alpha):
        make_product("Linen Shirt")
        make_product("Hidden Draft", status=Product.Status.DRAFT)
        make_product("Old Thing", status=Product.Status.ARCHIVED)
        Collection.objects.create(title="Summer", handle="summer")
        parent = Category.objects.create(name="Clothing", slug="clothing", path="clothing")
        Category.objects.create(name="Shirts", slug="shirts", path="clothing/shirts", parent=parent, depth=1)
        row = store_settings_get()
        store_settings_update(
            data=StoreSettingsInput.from_settings(
                row, refund_policy="<p>30 days.</p>", privacy_policy="<p> </p>"
            )
        )
    _languages(alpha, ("en",), "en")
    client = store_client(alpha)

    index = _locs(_xml(client.get("/sitemap.xml")))
    assert index == [
        "http://alpha.platform.test/sitemap-pages-1.xml",
        "http://alpha.platform.test/sitemap-products-1.xml",
        "http://alpha.platform.test/sitemap-collections-1.xml",
        "http://alpha.platform.test/sitemap-categories-1.xml",
        "http://alpha.platform.test/sitemap-content-1.xml",  # the Wagtail pages (apps/content/tests)
    ]
    urls = []
    for sitemap in index:
        urls += _locs(_xml(client.get(sitemap.removeprefix("http://alpha.platform.test"))))
    assert sorted(urls) == sorted(
        [
            "http://alpha.platform.test/",
            "http://alpha.platform.test/pages/refund/",
            "http://alpha.platform.test/products/linen-shirt/",
            "http://alpha.platform.test/collections/summer/",
            "http://alpha.platform.test/categories/clothing/",
            "http://alpha.platform.test/categories/clothing/shirts/",
            "http://alpha.platform.test/blog/",
            "http://alpha.platform.test/about/",
            "http://alpha.platform.test/faq/",
        ]
    )


def test_sitemap_entries_carry_hreflang_alternates_for_each_enabled_language(alpha):
    _languages(alpha, ("en", "de", "es"), "de")
    with _in(alpha):
        make_product("Linen Shirt")
    root = _xml(store_client(alpha).get("/sitemap-products-1.xml"))
    entries = root.findall("s:url", NS)
    assert [entry.findtext("s:loc", namespaces=NS) for entry in entries] == [
        "http://alpha.platform.test/en/products/linen-shirt/",
        "http://alpha.platform.test/products/linen-shirt/",  # German is the default: unprefixed
        "http://alpha.platform.test/es/products/linen-shirt/",
    ]
    for entry in entries:
        links = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", NS)}
        assert links == {
            "en": "http://alpha.platform.test/en/products/linen-shirt/",
            "de": "http://alpha.platform.test/products/linen-shirt/",
            "es": "http://alpha.platform.test/es/products/linen-shirt/",
            "x-default": "http://alpha.platform.test/products/linen-shirt/",
        }
        assert entry.find("s:lastmod", NS) is not None


def test_the_sitemap_is_paginated_past_its_limit(alpha, settings):
    settings.STOREFRONT_SITEMAP_MAX_URLS = 4
    _languages(alpha, ("en", "de"), "en")  # two entries per product: two products per file
    with _in(alpha):
        for i in range(5):
            make_product(f"Product {i}")
    client = store_client(alpha)
    index = _locs(_xml(client.get("/sitemap.xml")))
    product_files = [loc for loc in index if "sitemap-products-" in loc]
    assert product_files == [f"http://alpha.platform.test/sitemap-products-{page}.xml" for page in (1, 2, 3)]
    seen: list[str] = []
    for page in (1, 2, 3):
        locs = _locs(_xml(client.get(f"/sitemap-products-{page}.xml")))
        assert len(locs) <= 4
        seen += locs
    assert len(seen) == len(set(seen)) == 10
    assert client.get("/sitemap-products-4.xml").status_code == 404
    assert client.get("/sitemap-products-0.xml").status_code == 404
    assert client.get("/sitemap-orders-1.xml").status_code == 404


def test_alpha_sitemap_never_lists_beta_products(alpha, beta):
    with _in(beta):
        make_product("Beta Secret Lamp")
        Collection.objects.create(title="Beta Only", handle="beta-only")
    with _in(alpha):
        make_product("Alpha Mug")
    client = store_client(alpha)
    text = "".join(
        b"".join(client.get(path).streaming_content).decode()  # type: ignore[attr-defined]
        for path in ("/sitemap-products-1.xml", "/sitemap-pages-1.xml")
    )
    assert "alpha-mug" in text and "beta-secret-lamp" not in text and "beta.platform.test" not in text
    assert "sitemap-collections" not in client.get("/sitemap.xml").content.decode()


def test_sitemaps_refuse_other_methods(alpha):
    assert store_client(alpha).post("/sitemap.xml").status_code == 405


# ------------------------------------------------------------------------------
# page metadata
# ------------------------------------------------------------------------------
def _head(html: str) -> str:
    return html.split("</head>")[0]


def test_home_page_has_canonical_hreflang_og_and_twitter_from_the_primary_domain(alpha):
    _primary(alpha, "shop.alpha-example.com")
    _languages(alpha, ("en", "de", "es"), "en")
    head = _head(store_client(alpha).get("/de/").content.decode())
    assert '<link rel="canonical" href="http://shop.alpha-example.com/de/">' in head
    assert re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head) == [
        ("en", "http://shop.alpha-example.com/"),
        ("de", "http://shop.alpha-example.com/de/"),
        ("es", "http://shop.alpha-example.com/es/"),
        ("x-default", "http://shop.alpha-example.com/"),
    ]
    assert '<meta property="og:url" content="http://shop.alpha-example.com/de/">' in head
    assert '<meta property="og:title" content="Store Alpha">' in head
    assert '<meta name="twitter:card" content="summary">' in head
    assert '<meta name="description" content="' in head
    assert "alpha.platform.test" not in head


def test_a_forged_host_never_reaches_canonical_urls(alpha):
    _primary(alpha, "shop.alpha-example.com")
    # Another verified host of the same store: still the primary one in canonical URLs.
    custom_domain(alpha.tenant, "www.alpha-example.com")
    html = Client(HTTP_HOST="www.alpha-example.com").get("/").content.decode()
    assert '<link rel="canonical" href="http://shop.alpha-example.com/">' in html
    assert "www.alpha-example.com" not in _head(html)


def test_home_page_json_ld_has_organization_and_website_with_search_action(alpha):
    with _in(alpha):
        store_settings_update(
            data=StoreSettingsInput.from_settings(
                store_settings_get(),
                name="Alpha </script><script>alert(1)</script>",
                contact_email="hi@alpha.example",
            )
        )
    cache.clear()
    html = store_client(alpha).get("/").content.decode()
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)
    assert len(scripts) == 2
    assert "<script>alert" not in html  # the name's markup is escaped inside the JSON
    organization, website = (json.loads(script) for script in scripts)
    assert organization["@type"] == "Organization" and organization["email"] == "hi@alpha.example"
    assert organization["name"] == "Alpha </script><script>alert(1)</script>"
    assert website["@type"] == "WebSite" and website["url"] == "http://alpha.platform.test/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://alpha.platform.test/search/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"


def test_a_single_language_store_has_no_hreflang_and_no_switcher(alpha):
    _languages(alpha, ("en",), "en")
    html = store_client(alpha).get("/").content.decode()
    assert 'hreflang="' not in html
    assert "sf-language-switcher" not in html
