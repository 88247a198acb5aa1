"""Inventory pages of the dashboard, mounted at /dashboard/inventory/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.inventory.dashboard import views

app_name = "inventory"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.location_list, name="location_list"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<int:location_id>/", views.location_stock, name="location_stock"),
    path("locations/<int:location_id>/edit/", views.location_edit, name="location_edit"),
    path(
        "locations/<int:location_id>/variants/<int:variant_id>/adjust/",
        views.stock_adjust_view,
        name="stock_adjust",
    ),
    path(
        "locations/<int:location_id>/variants/<int:variant_id>/movements/",
        views.stock_movements,
        name="stock_movements",
    ),
    path("movements/", views.movement_list, name="movement_list"),
]
