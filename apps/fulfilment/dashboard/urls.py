"""Fulfilment pages of the dashboard, mounted at /dashboard/fulfilment/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "fulfilment"

urlpatterns: list[URLPattern | URLResolver] = []
