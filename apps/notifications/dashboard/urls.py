"""Notifications pages of the dashboard, mounted at /dashboard/notifications/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = []
