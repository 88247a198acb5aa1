from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckoutConfig(AppConfig):
    name = "apps.checkout"
    label = "checkout"
    verbose_name = _("Checkout")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.checkout import checks, jobs, signals  # noqa: F401

        jobs.register()

        self._nav_register()

    @staticmethod
    def _nav_register() -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        for label, url_name, order, permission, group in (
            (_("Discounts"), "dashboard:checkout:discount_list", 50, Perm.ORDERS_VIEW, NavGroup.SELL),
            (_("Gift cards"), "dashboard:checkout:gift_card_list", 55, Perm.ORDERS_VIEW, NavGroup.SELL),
            (_("Shipping"), "dashboard:checkout:shipping", 60, Perm.SHIPPING_VIEW, NavGroup.STORE),
            (_("Taxes"), "dashboard:checkout:taxes", 65, Perm.TAXES_VIEW, NavGroup.STORE),
        ):
            nav_register(
                NavItem(label=label, url_name=url_name, order=order, permission=permission, group=group)
            )
