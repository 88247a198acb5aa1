"""Storefront URLs: account pages (mounted in apps.storefront.urls)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
