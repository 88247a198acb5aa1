from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.analytics import jobs

        jobs.register()
        self._retention_register()
        self._nav_register()

    @staticmethod
    def _retention_register() -> None:
        from apps.analytics.services import visits_purge
        from apps.core.retention import RetentionKind, retention_register

        retention_register(
            RetentionKind(
                key="analytics_raw",
                label=_("Raw storefront visits"),
                default_days=30,
                purge=visits_purge,
                help_text=_(
                    "Each page view as recorded (no address, no cookie). The daily figures made "
                    "from them are kept."
                ),
            )
        )

    @staticmethod
    def _nav_register() -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("Analytics"),
                url_name="dashboard:analytics:overview",
                order=2,
                permission=Perm.ANALYTICS_VIEW,
                group=NavGroup.MAIN,
            )
        )
