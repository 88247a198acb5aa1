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


def _plan_limits_register() -> None:
    """Billing counts a store's products and media (product images, in MB) through catalog's
    selectors, and an import row refused by the plan is shown with billing's sentence."""
    from apps.billing.limits import BillingErrorCode, Limit, limit_message, usage_counter_register
    from apps.catalog.errors import error_messages_register
    from apps.catalog.selectors import media_mb_in_store, product_count_in_store

    usage_counter_register(Limit.PRODUCTS_PER_STORE, product_count_in_store)
    usage_counter_register(Limit.MEDIA_MB, media_mb_in_store)
    error_messages_register({BillingErrorCode.PLAN_LIMIT_REACHED: limit_message})


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from apps.catalog import jobs
        from apps.catalog.changes import catalog_signals_connect
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        jobs.register()
        _plan_limits_register()
        catalog_signals_connect()
        connection_created.connect(_search_settings, dispatch_uid="catalog.search_settings")

        for label, url_name, order in (
            (_("Products"), "dashboard:catalog:product_list", 10),
            (_("Categories"), "dashboard:catalog:category_list", 12),
            (_("Collections"), "dashboard:catalog:collection_list", 14),
            (_("Imports"), "dashboard:catalog:import_list", 16),
        ):
            nav_register(
                NavItem(
                    label=label,
                    url_name=url_name,
                    order=order,
                    permission=Perm.CATALOG_VIEW,
                    group=NavGroup.CATALOG,
                )
            )
