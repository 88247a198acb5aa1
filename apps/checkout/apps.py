from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckoutConfig(AppConfig):
    name = "apps.checkout"
    label = "checkout"
    verbose_name = _("Checkout")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.checkout import checks, signals  # noqa: F401
