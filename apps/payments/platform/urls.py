"""Stripe Connect callbacks on the platform domain, mounted at /stripe/connect/ (config.urls_public)."""

from django.urls import URLPattern, path

from apps.payments.platform import views

app_name = "payments_platform"

urlpatterns: list[URLPattern] = [
    path("webhook/", views.stripe_connect_webhook, name="stripe_connect_webhook"),
]
