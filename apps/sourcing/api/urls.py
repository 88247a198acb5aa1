from django.urls import path

from apps.sourcing.api import views

app_name = "sourcing"

urlpatterns = [
    path("suppliers", views.SupplierList.as_view(), name="supplier_list"),
    path("suppliers/<str:code>", views.SupplierDetail.as_view(), name="supplier_detail"),
]
