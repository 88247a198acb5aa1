from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcingConfig(AppConfig):
    name = "apps.sourcing"
    label = "sourcing"
    verbose_name = _("Sourcing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.dashboard.navigation import NavItem, nav_register

        nav_register(NavItem(label=_("Suppliers"), url_name="dashboard:sourcing:supplier_list", order=30))
