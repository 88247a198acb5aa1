"""Fraud review pages of the dashboard, mounted at /dashboard/fraud/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "fraud"

urlpatterns: list[URLPattern | URLResolver] = []
