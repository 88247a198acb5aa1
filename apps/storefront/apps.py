from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    name = "apps.storefront"
    label = "storefront"
    verbose_name = _("Storefront")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the fragment cache's event subscribers (product, stock, theme, settings).
        from apps.storefront import caching

        # Published pages and edited menus show in every page's header and footer.
        caching.content_signals_connect()
