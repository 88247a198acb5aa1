"""Payment setup pages of the dashboard, mounted at /dashboard/payments/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.payments.dashboard import views

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.payment_setup, name="setup"),
    path("stripe/connect/", views.stripe_connect, name="stripe_connect"),
    path("stripe/return/", views.stripe_return, name="stripe_return"),
    path("stripe/refresh/", views.stripe_refresh, name="stripe_refresh"),
]
