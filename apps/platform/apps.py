from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "apps.platform"
    label = "platform"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.billing.limits import Limit, usage_counter_register
        from apps.platform import receivers, team  # noqa: F401
        from apps.platform.team_selectors import team_seats_used

        usage_counter_register(Limit.STAFF_SEATS, team_seats_used)
