"""URLs of a store's domains: storefront, shopper accounts and the merchant dashboard.

The storefront is language-prefixed for every enabled language but the store's default one
(`/de/products/...`); the dashboard, /accounts/, /i18n/, /media/, robots.txt and the sitemaps
stay unprefixed. `store_urlpatterns(language)` builds the patterns of stores whose unprefixed
language is `language`; `apps.storefront.i18n.StoreLocaleMiddleware` routes each request to its
store's (see that module for why there is one URLconf per default language).
"""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from apps.content.cms import admin_urlpatterns, serve_urlpatterns
from apps.core import views as core_views
from apps.storefront.i18n import store_i18n_patterns
from apps.storefront.views import seo


def store_urlpatterns(default_language: str) -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = [
        # The shopper's pages first: they are most of a store's traffic, and a path tried here
        # first skips a dozen patterns (50 µs against 6 µs per resolve for a product page). No
        # storefront path begins like one of the patterns below (tests/test_urls.py checks).
        *store_i18n_patterns(default_language, path("", include("apps.storefront.urls"))),
        path("accounts/", include("allauth.urls")),
        path("i18n/", include("django.conf.urls.i18n")),
        path("dashboard/", include("apps.dashboard.urls")),
        path("payments/", include("apps.payments.urls")),
        path("api/v1/", include("apps.api.urls")),
        # Wagtail: /cms/ (content.edit) and /documents/.
        *admin_urlpatterns(),
        path("robots.txt", seo.robots_txt, name="robots_txt"),
        path("sitemap.xml", seo.sitemap_index, name="sitemap_index"),
        path("sitemap-<slug:section>-<int:page>.xml", seo.sitemap_section, name="sitemap_section"),
        # Blog and content pages: whatever path nothing above answered (last: it takes any path).
        *store_i18n_patterns(default_language, *serve_urlpatterns()),
    ]
    if settings.STORAGES["default"]["BACKEND"].endswith("TenantFileSystemStorage"):
        # Local media (development and tests); S3 serves media itself in production.
        patterns.insert(1, path("media/<str:schema>/<path:path>", core_views.media_serve))
    return patterns


urlpatterns = store_urlpatterns(settings.LANGUAGE_CODE)

handler404 = core_views.page_not_found
handler500 = core_views.server_error
