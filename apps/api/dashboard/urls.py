"""API key pages of the dashboard, mounted at /dashboard/api-keys/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.api.dashboard import views

app_name = "api_keys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.key_list_view, name="key_list"),
    path("new/", views.key_create_view, name="key_create"),
    path("<uuid:api_key_uuid>/created/", views.key_created_view, name="key_created"),
    path("<uuid:api_key_uuid>/revoke/", views.key_revoke_view, name="key_revoke"),
]
