"""Fulfilment pages of the dashboard, mounted at /dashboard/fulfilment/ (see apps.dashboard.urls).
Orders are named by their number, shipments by their id (staff only)."""

from django.urls import URLPattern, URLResolver, path

from apps.fulfilment.dashboard import views

app_name = "fulfilment"

urlpatterns: list[URLPattern | URLResolver] = [
    path("orders/<int:order_number>/fulfil/", views.fulfil_view, name="fulfil"),
    path("shipments/<int:fulfilment_id>/deliver/", views.fulfilment_deliver_view, name="deliver"),
    path("shipments/<int:fulfilment_id>/cancel/", views.fulfilment_cancel_view, name="cancel"),
    path("at-risk/", views.at_risk_list, name="at_risk"),
    path("profit/", views.profit_view, name="profit"),
]
