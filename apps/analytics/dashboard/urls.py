"""Analytics pages of the dashboard, mounted at /dashboard/analytics/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.analytics.dashboard import views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("sales/", views.sales, name="sales"),
    path("products/", views.products, name="products"),
    path("sources/", views.sources, name="sources"),
    path("customers/", views.customers, name="customers"),
    path("funnel/", views.funnel, name="funnel"),
]
