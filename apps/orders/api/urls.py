from django.urls import path

from apps.orders.api import views

app_name = "orders"

urlpatterns = [
    path("orders", views.OrderList.as_view(), name="order_list"),
    path("orders/<uuid:uuid>", views.OrderDetail.as_view(), name="order_detail"),
    path("orders/<uuid:uuid>/cancel", views.OrderCancel.as_view(), name="order_cancel"),
]
