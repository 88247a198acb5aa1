from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """A store's payment gateways (dummy, manual, Stripe Connect) and their settings."""

    name = "apps.payments"
    label = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.payments.gateways import register_builtin_gateways

        register_builtin_gateways()
        nav_register(
            NavItem(
                label=_("Payments"),
                url_name="dashboard:payments:setup",
                order=83,
                permission=Perm.PAYMENTS_VIEW,
                group=NavGroup.STORE,
            )
        )
