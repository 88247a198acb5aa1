from django.urls import path

from apps.fulfilment.api import views

app_name = "fulfilment"

urlpatterns = [
    path("orders/<uuid:uuid>/fulfilments", views.OrderFulfilmentList.as_view(), name="fulfilment_list"),
    path(
        "orders/<uuid:uuid>/fulfilments/<uuid:fulfilment_uuid>/delivered",
        views.FulfilmentDelivered.as_view(),
        name="fulfilment_delivered",
    ),
]
