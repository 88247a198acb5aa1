"""Invoices pages of the dashboard, mounted at /dashboard/invoices/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.invoices.dashboard import views

app_name = "invoices"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.invoice_list, name="invoice_list"),
    path("settings/", views.invoice_settings, name="invoice_settings"),
    path("<uuid:invoice_uuid>/download/", views.invoice_download, name="invoice_download"),
]
