from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "apps.dashboard"
    label = "dashboard"
    verbose_name = _("Merchant dashboard")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(NavItem(label=_("Home"), url_name="dashboard:home", order=0, group=NavGroup.MAIN))
        nav_register(
            NavItem(
                label=_("Activity"),
                url_name="dashboard:activity",
                order=90,
                permission=Perm.ACTIVITY_VIEW,
                group=NavGroup.STORE,
            )
        )
