"""Storefront URLs: catalog pages (mounted in apps.storefront.urls). Products, collections and
categories are addressed by their handles (a category by its path of handles), never by ids."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import catalog

urlpatterns: list[URLPattern | URLResolver] = [
    path("collections/", catalog.collection_list, name="collection_list"),
    path("collections/<slug:handle>/", catalog.collection_detail, name="collection"),
    path("categories/<path:path>/", catalog.category_detail, name="category"),
    path("products/<slug:handle>/", catalog.product_detail, name="product"),
    path("search/", catalog.search, name="search"),
]
