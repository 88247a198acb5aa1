from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    """The store's own profile and settings, and the dashboard pages for them and its domains."""

    name = "apps.stores"
    label = "stores"
    verbose_name = _("Store settings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.core.retention import RetentionKind, retention_register
        from apps.stores import jobs
        from apps.stores.newsletter import newsletter_pending_purge

        jobs.register()
        retention_register(
            RetentionKind(
                key="newsletter_pending",
                label=_("Unconfirmed newsletter sign-ups"),
                default_days=30,
                purge=newsletter_pending_purge,
                help_text=_(
                    "Addresses that signed up for the newsletter but never opened the confirmation link."
                ),
            )
        )
        nav_register(
            NavItem(
                label=_("Newsletter"),
                url_name="dashboard:stores:newsletter",
                order=36,
                permission=Perm.CUSTOMERS_VIEW,
                group=NavGroup.CUSTOMERS,
            )
        )

        nav_register(
            NavItem(
                label=_("Domains"),
                url_name="dashboard:stores:domains",
                order=80,
                permission=Perm.DOMAINS_VIEW,
                group=NavGroup.STORE,
            )
        )
        nav_register(
            NavItem(
                label=_("Settings"),
                url_name="dashboard:stores:settings",
                order=85,
                permission=Perm.SETTINGS_VIEW,
                group=NavGroup.STORE,
            )
        )
        nav_register(
            NavItem(
                label=_("Theme"),
                url_name="dashboard:stores:theme",
                order=78,
                permission=Perm.THEME_VIEW,
                group=NavGroup.STORE,
            )
        )
        nav_register(
            NavItem(
                label=_("Currencies"),
                url_name="dashboard:stores:currencies",
                order=86,
                permission=Perm.SETTINGS_VIEW,
                group=NavGroup.STORE,
            )
        )
