"""The billing webhook on the platform domain (included from config/urls_public.py)."""

from django.urls import path

from apps.billing.stripe_webhooks import billing_stripe_webhook

app_name = "billing_stripe"

urlpatterns = [path("webhook/", billing_stripe_webhook, name="webhook")]
