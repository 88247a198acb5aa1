"""The audit log's pages, mounted at /dashboard/audit/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.audit.dashboard import views

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.entry_list, name="entry_list"),
    path("export.csv", views.entry_export, name="entry_export"),
]
