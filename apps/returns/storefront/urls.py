"""Shopper-facing Returns pages, mounted in apps.storefront.urls (namespace "storefront")."""

from django.urls import URLPattern, URLResolver, path

from apps.returns.storefront import views as storefront_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("account/orders/<uuid:order_uuid>/return/", storefront_views.return_request, name="return_request"),
    path("account/returns/<uuid:return_uuid>/label/", storefront_views.return_label, name="return_label"),
    path(
        "account/returns/<uuid:return_uuid>/withdraw/",
        storefront_views.return_withdraw,
        name="return_withdraw",
    ),
]
