from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.dashboard.navigation import NavItem, nav_register

        nav_register(NavItem(label=_("Products"), url_name="dashboard:catalog:product_list", order=10))
        nav_register(NavItem(label=_("Categories"), url_name="dashboard:catalog:category_list", order=12))
        nav_register(NavItem(label=_("Collections"), url_name="dashboard:catalog:collection_list", order=14))
        nav_register(NavItem(label=_("Imports"), url_name="dashboard:catalog:import_list", order=16))
