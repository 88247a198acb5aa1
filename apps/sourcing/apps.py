from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcingConfig(AppConfig):
    name = "apps.sourcing"
    label = "sourcing"
    verbose_name = _("Sourcing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.sourcing import jobs

        jobs.register()
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("Suppliers"),
                url_name="dashboard:sourcing:supplier_list",
                order=30,
                permission=Perm.SOURCING_VIEW,
                group=NavGroup.CATALOG,
            )
        )
        # Supplier imports are catalog import runs; their failures are stored as sourcing codes.
        from apps.catalog.errors import error_messages_register
        from apps.sourcing.errors import sourcing_error_wordings

        error_messages_register(sourcing_error_wordings())
