from django.urls import path

from apps.inventory.api import views

app_name = "inventory"

urlpatterns = [
    path("inventory/locations", views.LocationList.as_view(), name="location_list"),
    path("inventory/stock-levels", views.StockLevelList.as_view(), name="stock_level_list"),
    path("inventory/adjustments", views.StockAdjustmentCreate.as_view(), name="adjustment_create"),
]
