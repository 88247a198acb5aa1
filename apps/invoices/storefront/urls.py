"""Shopper-facing Invoices pages, mounted in apps.storefront.urls (namespace "storefront")."""

from django.urls import URLPattern, URLResolver, path

from apps.invoices.storefront import views as storefront_views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "account/orders/<uuid:order_uuid>/invoices/<uuid:invoice_uuid>/",
        storefront_views.invoice_download,
        name="invoice_download",
    ),
    path(
        "orders/status/<str:token>/invoices/<uuid:invoice_uuid>/",
        storefront_views.invoice_download_signed,
        name="invoice_download_signed",
    ),
]
