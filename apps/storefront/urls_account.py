"""Storefront URLs: the shopper's account pages (mounted in apps.storefront.urls). Sign-in,
sign-up, password and social sign-in pages are allauth's, under /accounts/."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import account, account_orders

urlpatterns: list[URLPattern | URLResolver] = [
    path("account/", account.account, name="account"),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/new/", account.address_add, name="address_add"),
    path("account/addresses/<uuid:address_uuid>/edit/", account.address_edit, name="address_edit"),
    path("account/addresses/<uuid:address_uuid>/delete/", account.address_delete, name="address_delete"),
    path("account/addresses/<uuid:address_uuid>/default/", account.address_default, name="address_default"),
    path("account/orders/", account_orders.orders, name="orders"),
    path("account/orders/<uuid:order_uuid>/", account_orders.order_detail, name="order_detail"),
    path("account/wishlist/", account.wishlist, name="wishlist"),
    path("account/wishlist/add/", account.wishlist_add, name="wishlist_add"),
    path("account/wishlist/remove/", account.wishlist_remove, name="wishlist_remove"),
]
