from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.privacy import jobs, retention

        retention.register()
        jobs.register()
        slot_register(
            PageSlot(
                page="dashboard.customer",
                name="privacy",
                template="privacy/dashboard/_customer_panel.html",
                context="apps.privacy.dashboard.views.customer_panel_context",
                position=90,
                permission=Perm.PRIVACY_MANAGE,
            )
        )
        nav_register(
            NavItem(
                label=_("Privacy"),
                url_name="dashboard:privacy:retention",
                order=37,
                permission=Perm.PRIVACY_MANAGE,
                group=NavGroup.CUSTOMERS,
            )
        )
