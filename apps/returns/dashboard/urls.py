"""Returns pages of the dashboard, mounted at /dashboard/returns/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "returns"

urlpatterns: list[URLPattern | URLResolver] = []
