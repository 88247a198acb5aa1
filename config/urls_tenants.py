"""URLs of a store's domains: storefront, shopper accounts and the merchant dashboard."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from apps.core import views as core_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboard/", include("apps.dashboard.urls")),
    path("", include("apps.storefront.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("TenantFileSystemStorage"):
    # Local media (development and tests); S3 serves media itself in production.
    urlpatterns.insert(0, path("media/<str:schema>/<path:path>", core_views.media_serve))

handler404 = core_views.page_not_found
handler500 = core_views.server_error
