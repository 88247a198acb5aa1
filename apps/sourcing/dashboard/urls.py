"""Sourcing pages of the dashboard, mounted at /dashboard/sourcing/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.sourcing.dashboard import views

app_name = "sourcing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.supplier_create, name="supplier_create"),
    path("suppliers/<int:supplier_id>/", views.supplier_detail, name="supplier_detail"),
    path("suppliers/<int:supplier_id>/edit/", views.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:supplier_id>/import/", views.supplier_import, name="supplier_import"),
    path("suppliers/<int:supplier_id>/sync/", views.supplier_sync, name="supplier_sync"),
    path("pricing-rules/", views.rule_list, name="rule_list"),
    path("pricing-rules/new/", views.rule_create, name="rule_create"),
    path("pricing-rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("pricing-rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
]
