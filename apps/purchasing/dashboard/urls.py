"""Purchase orders pages of the dashboard, mounted at /dashboard/purchasing/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "purchasing"

urlpatterns: list[URLPattern | URLResolver] = []
