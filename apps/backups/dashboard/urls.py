"""The "Download my store" page, mounted at /dashboard/store-export/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.backups.dashboard import views

app_name = "backups"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.export, name="export"),
    path("<uuid:export_uuid>/download/", views.download, name="download"),
]
