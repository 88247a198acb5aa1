from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.accounts.adapter import store_password_reset_sender_register
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.notifications import subscribers, tasks  # noqa: F401
        from apps.notifications.accounts import password_reset_send

        nav_register(
            NavItem(
                label=_("Notifications"),
                url_name="dashboard:notifications:template_list",
                order=70,
                permission=Perm.NOTIFICATIONS_VIEW,
                group=NavGroup.STORE,
            )
        )
        store_password_reset_sender_register(password_reset_send)
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="notifications",
                template="notifications/dashboard/_order_panel.html",
                context="apps.notifications.dashboard.panels.emails_panel_context",
                position=90,
                permission=Perm.NOTIFICATIONS_VIEW,
            )
        )
