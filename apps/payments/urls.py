"""Shopper-facing payment pages on a store's domains, mounted unprefixed at /payments/."""

from django.urls import URLPattern, path

from apps.payments import views

app_name = "payments"

urlpatterns: list[URLPattern] = [
    path(
        "dummy/authenticate/<str:external_id>/",
        views.dummy_authenticate_page,
        name="dummy_authenticate",
    ),
]
