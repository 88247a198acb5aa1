from django.urls import path

from apps.returns.api import views

app_name = "returns"

urlpatterns = [
    path("orders/<uuid:uuid>/refunds", views.OrderRefundList.as_view(), name="refund_list"),
]
