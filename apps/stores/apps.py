from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    """The store's own profile and settings, and the dashboard pages for them and its domains."""

    name = "apps.stores"
    label = "stores"
    verbose_name = _("Store settings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.stores import jobs

        jobs.register()

        nav_register(
            NavItem(
                label=_("Domains"),
                url_name="dashboard:stores:domains",
                order=80,
                permission=Perm.DOMAINS_VIEW,
            )
        )
        nav_register(
            NavItem(
                label=_("Settings"),
                url_name="dashboard:stores:settings",
                order=85,
                permission=Perm.SETTINGS_VIEW,
            )
        )
        nav_register(
            NavItem(
                label=_("Currencies"),
                url_name="dashboard:stores:currencies",
                order=86,
                permission=Perm.SETTINGS_VIEW,
            )
        )
