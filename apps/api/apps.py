from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from apps.api import jobs  # noqa: F401  (registers the per-store clean-up job)
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("API keys"),
                url_name="dashboard:api_keys:key_list",
                order=88,
                permission=Perm.API_KEYS_VIEW,
                group=NavGroup.DEVELOPERS,
            )
        )
