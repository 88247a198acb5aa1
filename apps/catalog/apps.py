from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _search_settings(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Typo tolerance of product search: a query word matches a title word at 0.5 trigram word
    similarity (pg_trgm's default 0.6 misses dropped letters such as "orgnic"; swapped letters score lower)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET pg_trgm.word_similarity_threshold = %s", [settings.CATALOG_TYPO_THRESHOLD])


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from apps.dashboard.navigation import NavItem, nav_register

        connection_created.connect(_search_settings, dispatch_uid="catalog.search_settings")

        nav_register(NavItem(label=_("Products"), url_name="dashboard:catalog:product_list", order=10))
        nav_register(NavItem(label=_("Categories"), url_name="dashboard:catalog:category_list", order=12))
        nav_register(NavItem(label=_("Collections"), url_name="dashboard:catalog:collection_list", order=14))
        nav_register(NavItem(label=_("Imports"), url_name="dashboard:catalog:import_list", order=16))
