from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """A store's shoppers: their customer records (one per email, with order counters), saved
    addresses and wishlist, and the store's social sign-in settings (the Google and Facebook apps
    shoppers sign in with)."""

    name = "apps.customers"
    label = "customers"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.customers import signals  # noqa: F401

        nav_register(
            NavItem(
                label=_("Customers"),
                url_name="dashboard:customers:customer_list",
                order=35,
                permission=Perm.CUSTOMERS_VIEW,
                group=NavGroup.CUSTOMERS,
            )
        )
        nav_register(
            NavItem(
                label=_("Social sign-in"),
                url_name="dashboard:customers:social_signin",
                order=86,
                permission=Perm.SETTINGS_VIEW,
                group=NavGroup.CUSTOMERS,
            )
        )
