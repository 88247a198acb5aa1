from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.dashboard.navigation import NavItem, nav_register

        nav_register(NavItem(label=_("Inventory"), url_name="dashboard:inventory:location_list", order=20))
