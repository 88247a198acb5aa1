"""The store URLconf's order (`config.urls_tenants`): the storefront's pages are tried first, so
no storefront path may begin like one of the patterns after them, and every path still reaches
the view it reached when the storefront came last."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from django.utils import translation

URLCONF = "config.urls_tenants"


def _literal(pattern: URLPattern | URLResolver) -> str:
    route = str(pattern.pattern)
    assert isinstance(pattern.pattern, RoutePattern), f"{route}: only path() routes are checked here"
    return route


def _storefront_routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + _literal(pattern)
        if isinstance(pattern, URLResolver):
            yield from _storefront_routes(pattern.url_patterns, route)
        else:
            yield route


def test_no_storefront_path_begins_like_a_pattern_tried_after_it():
    top = get_resolver(URLCONF).url_patterns
    first, last = top[0], top[-1]
    assert isinstance(first, URLResolver) and isinstance(first.pattern, LocalePrefixPattern), (
        "the storefront's pages come first"
    )
    assert isinstance(last, URLResolver) and isinstance(last.pattern, LocalePrefixPattern), (
        "the content pages' catch-all comes last"
    )
    (storefront,) = first.url_patterns
    others = [pattern for pattern in top[1:-1] if not isinstance(pattern.pattern, LocalePrefixPattern)]
    assert len(others) >= 10
    clashes = []
    for route in _storefront_routes([storefront]):
        literal, converter, _rest = route.partition("<")
        for other in others:
            other_literal = _literal(other).partition("<")[0]
            if converter:  # anything may follow the literal part
                clash = other_literal.startswith(literal) or literal.startswith(other_literal)
            else:  # the route is exactly this path
                clash = other.pattern.match(literal) is not None
            if clash:
                clashes.append(f"{route!r} against {_literal(other)!r}")
    assert clashes == []


@pytest.mark.parametrize(
    ("path", "view_name"),
    [
        ("/", "storefront:home"),
        ("/products/linen-shirt/", "storefront:product"),
        ("/de/products/linen-shirt/", "storefront:product"),
        ("/collections/summer/", "storefront:collection"),
        ("/account/", "storefront:account"),
        ("/accounts/login/", "account_login"),
        ("/dashboard/", "dashboard:home"),
        ("/api/v1/products", "api:catalog:product_list"),
        ("/cms/", "wagtailadmin_home"),
        ("/i18n/setlang/", "set_language"),
        ("/robots.txt", "robots_txt"),
        ("/sitemap.xml", "sitemap_index"),
        ("/sitemap-products-1.xml", "sitemap_section"),
        ("/about-us/", "wagtail_serve"),
        ("/de/about-us/", "wagtail_serve"),
    ],
)
def test_each_path_reaches_its_view(path, view_name):
    # The prefix is the active language's (StoreLocaleMiddleware activates it from the path).
    with translation.override("de" if path.startswith("/de/") else "en"):
        assert resolve(path, urlconf=URLCONF).view_name == view_name
