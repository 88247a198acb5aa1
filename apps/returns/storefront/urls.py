"""Shopper-facing Returns pages, mounted in apps.storefront.urls (namespace "storefront")."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
