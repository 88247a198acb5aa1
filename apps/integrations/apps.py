from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.integrations import jobs, subscribers  # noqa: F401  (registers the fan-out)

        jobs.register()
        nav_register(
            NavItem(
                label=_("Webhooks"),
                url_name="dashboard:integrations:endpoint_list",
                order=87,
                permission=Perm.WEBHOOKS_VIEW,
                group=NavGroup.DEVELOPERS,
            )
        )
