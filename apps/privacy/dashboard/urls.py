"""The privacy pages of the dashboard, mounted at /dashboard/privacy/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.privacy.dashboard import views

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.retention, name="retention"),
    path("requests/", views.request_list, name="request_list"),
    path("customers/<uuid:customer_uuid>/export/", views.customer_export, name="customer_export"),
    path("customers/<uuid:customer_uuid>/erase/", views.customer_erase, name="customer_erase"),
]
