"""The customers pages of the dashboard, mounted at /dashboard/customers/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.customers.dashboard import views

app_name = "customers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.customer_list, name="customer_list"),
    path("social/", views.social_signin, name="social_signin"),
    path("<uuid:customer_uuid>/", views.customer_detail, name="customer_detail"),
    path("<uuid:customer_uuid>/store-credit/", views.customer_store_credit, name="customer_store_credit"),
]
