from django.urls import path

from apps.purchasing.api import views

app_name = "purchasing"

urlpatterns = [
    path("purchase-orders", views.PurchaseOrderList.as_view(), name="purchase_order_list"),
    path(
        "purchase-orders/<str:reference>", views.PurchaseOrderDetail.as_view(), name="purchase_order_detail"
    ),
    path(
        "purchase-orders/<str:reference>/approve",
        views.PurchaseOrderApprove.as_view(),
        name="purchase_order_approve",
    ),
    path(
        "purchase-orders/<str:reference>/retry",
        views.PurchaseOrderRetry.as_view(),
        name="purchase_order_retry",
    ),
    path(
        "purchase-orders/<str:reference>/cancel",
        views.PurchaseOrderCancel.as_view(),
        name="purchase_order_cancel",
    ),
    path(
        "purchase-orders/<str:reference>/mark-placed",
        views.PurchaseOrderMarkPlaced.as_view(),
        name="purchase_order_mark_placed",
    ),
]
