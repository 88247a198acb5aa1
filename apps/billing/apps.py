from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Platform billing in the public schema: plans and their limits, each merchant's plan and
    billing state, the limit checks every app calls, and the staff audit trail. The Stripe side
    (dj-stripe sync, Checkout, Customer Portal, webhooks) lives in `apps/billing/stripe*`."""

    name = "apps.billing"
    label = "billing"
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: routing cache; metering: usage counters; subscribers: order.created.
        from apps.billing import metering, signals, subscribers  # noqa: F401
