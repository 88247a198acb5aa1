"""The customers pages of the dashboard, mounted at /dashboard/customers/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.customers.dashboard import views

app_name = "customers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("social/", views.social_signin, name="social_signin"),
]
