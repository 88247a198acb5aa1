"""Shopper-facing Reviews pages, mounted in apps.storefront.urls (namespace "storefront")."""

from django.urls import URLPattern, URLResolver, path

from apps.reviews.storefront import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/<slug:handle>/", views.review_write, name="review_write"),
]
