"""Storefront URLs: cart pages (mounted in apps.storefront.urls). Lines are named by their
public uuid, never by a sequential id."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import cart

urlpatterns: list[URLPattern | URLResolver] = [
    path("cart/", cart.cart_detail, name="cart"),
    path("cart/add/", cart.cart_add, name="cart_add"),
    path("cart/lines/<uuid:line_uuid>/", cart.cart_line_update, name="cart_line_update"),
    path("cart/lines/<uuid:line_uuid>/remove/", cart.cart_line_remove, name="cart_line_remove"),
]
