"""Console pages for paying the platform (included from config/urls_public.py)."""

from django.urls import path

from apps.billing.dashboard import account_views, stripe_views

app_name = "billing_console"

urlpatterns = [
    path("subscribe/<slug:plan_code>/", stripe_views.subscribe, name="subscribe"),
    path("checkout/success/", stripe_views.checkout_success, name="checkout_success"),
    path("checkout/cancelled/", stripe_views.checkout_cancelled, name="checkout_cancelled"),
    path("portal/", stripe_views.portal, name="portal"),
    path("invoices/", stripe_views.invoices, name="invoices"),
    path("details/", account_views.billing_details, name="details"),
    path("change/<slug:plan_code>/", account_views.plan_change, name="plan_change"),
    path("usage/", account_views.metering, name="metering"),
]
