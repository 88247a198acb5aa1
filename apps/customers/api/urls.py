from django.urls import path

from apps.customers.api import views

app_name = "customers"

urlpatterns = [
    path("customers", views.CustomerList.as_view(), name="customer_list"),
    path("customers/<uuid:uuid>", views.CustomerDetail.as_view(), name="customer_detail"),
]
