"""Invoices pages of the dashboard, mounted at /dashboard/invoices/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "invoices"

urlpatterns: list[URLPattern | URLResolver] = []
