"""Fraud review pages of the dashboard, mounted at /dashboard/fraud/ (see apps.dashboard.urls).
Orders are named by their number in the store, as on the orders pages."""

from django.urls import URLPattern, URLResolver, path

from apps.fraud.dashboard import views

app_name = "fraud"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.review_queue, name="queue"),
    path("settings/", views.fraud_settings, name="settings"),
    path("<int:order_number>/approve/", views.risk_approve, name="approve"),
    path("<int:order_number>/cancel/", views.risk_cancel, name="cancel"),
]
