"""Reviews pages of the dashboard, mounted at /dashboard/reviews/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver

app_name = "reviews"

urlpatterns: list[URLPattern | URLResolver] = []
