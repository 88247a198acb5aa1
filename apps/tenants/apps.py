from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = _("Stores and domains")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # domain_tasks: Celery autodiscovery only imports `tasks` modules.
        from apps.tenants import connections, deletion, domain_tasks, signals  # noqa: F401

        deletion.install()
        connections.install()
