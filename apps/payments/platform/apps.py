from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsPlatformConfig(AppConfig):
    """The public-schema side of store payments: Stripe Connect webhooks land on the platform
    domain, are stored here before handling, and are routed to their store through the
    connected-account lookup table."""

    name = "apps.payments.platform"
    label = "payments_platform"
    verbose_name = _("Payment webhooks")
    default_auto_field = "django.db.models.BigAutoField"
