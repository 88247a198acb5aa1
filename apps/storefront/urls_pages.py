"""Storefront URLs: the store's own pages (mounted in apps.storefront.urls): policies, contact,
store locator, and the display-currency switch."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("pages/<slug:kind>/", pages.policy, name="policy"),
    path("contact/", pages.contact, name="contact"),
    path("stores/", pages.store_locator, name="store_locator"),
    path("currency/", pages.currency_set, name="currency_set"),
]
