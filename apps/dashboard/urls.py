from django.urls import include, path

from apps.dashboard import search_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("handoff/", views.handoff, name="handoff"),
    path("search/", search_views.search, name="search"),
    path("search/results/", search_views.search_page, name="search_page"),
    path("store/", include("apps.stores.dashboard.urls")),
    path("customers/", include("apps.customers.dashboard.urls")),
    path("catalog/", include("apps.catalog.dashboard.urls")),
    path("inventory/", include("apps.inventory.dashboard.urls")),
    path("sourcing/", include("apps.sourcing.dashboard.urls")),
    # shipping/, taxes/, discounts/, gift-cards/
    path("", include("apps.checkout.dashboard.urls")),
    path("payments/", include("apps.payments.dashboard.urls")),
    path("orders/", include("apps.orders.dashboard.urls")),
    path("fulfilment/", include("apps.fulfilment.dashboard.urls")),
    path("purchase-orders/", include("apps.purchasing.dashboard.urls")),
    path("fraud/", include("apps.fraud.dashboard.urls")),
    path("returns/", include("apps.returns.dashboard.urls")),
    path("invoices/", include("apps.invoices.dashboard.urls")),
    path("notifications/", include("apps.notifications.dashboard.urls")),
    path("inbox/", include("apps.inbox.dashboard.urls")),
    path("reviews/", include("apps.reviews.dashboard.urls")),
    path("analytics/", include("apps.analytics.dashboard.urls")),
    path("webhooks/", include("apps.integrations.dashboard.urls")),
    path("privacy/", include("apps.privacy.dashboard.urls")),
    path("api-keys/", include("apps.api.dashboard.urls")),
    path("audit/", include("apps.audit.dashboard.urls")),
    path("store-export/", include("apps.backups.dashboard.urls")),
]
