from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """One store's export to an archive (its schema's rows and its media) and its restore."""

    name = "apps.backups"
    label = "backups"
    verbose_name = _("Store backups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.backups import jobs
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        jobs.register()
        nav_register(
            NavItem(
                label=_("Download my store"),
                url_name="dashboard:backups:export",
                order=95,
                permission=Perm.STORE_EXPORT,
                group=NavGroup.STORE,
            )
        )
