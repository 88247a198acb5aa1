from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.inventory import jobs

        jobs.register()
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("Inventory"),
                url_name="dashboard:inventory:location_list",
                order=20,
                permission=Perm.INVENTORY_VIEW,
                group=NavGroup.CATALOG,
            )
        )
