from django.urls import include, path

from apps.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("handoff/", views.handoff, name="handoff"),
    path("store/", include("apps.stores.dashboard.urls")),
    path("customers/", include("apps.customers.dashboard.urls")),
    path("catalog/", include("apps.catalog.dashboard.urls")),
    path("inventory/", include("apps.inventory.dashboard.urls")),
    path("sourcing/", include("apps.sourcing.dashboard.urls")),
    # shipping/, taxes/, discounts/, gift-cards/
    path("", include("apps.checkout.dashboard.urls")),
    path("payments/", include("apps.payments.dashboard.urls")),
    path("orders/", include("apps.orders.dashboard.urls")),
]
