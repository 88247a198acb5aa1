from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """The dashboard's notification centre: store alerts (new order, low stock, fraud review,
    failed webhook, import finished) with a read state per team member. Not to be confused with
    `apps.notifications`, the emails and texts a store sends."""

    name = "apps.inbox"
    label = "inbox"
    verbose_name = _("Notification centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.retention import RetentionKind, retention_register
        from apps.inbox import subscribers  # noqa: F401 - registers the event subscribers
        from apps.inbox.services import notifications_purge

        slot_register(
            PageSlot(
                page="dashboard.header",
                name="inbox",
                template="inbox/dashboard/_bell.html",
                context="apps.inbox.dashboard.views.bell_context",
                position=10,
            )
        )
        retention_register(
            RetentionKind(
                key="notifications_read",
                label=_("Dashboard notifications"),
                default_days=90,
                purge=notifications_purge,
                help_text=_(
                    "Notifications in the dashboard's bell (new orders, low stock, ...), read or not, "
                    "are deleted this many days after they last happened."
                ),
            )
        )
