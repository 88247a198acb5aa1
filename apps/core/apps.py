from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers the private-storage system check; metrics counts Celery task outcomes;
        # csrf draws CSRF secrets and masks with one system call each.
        from apps.core import checks, csrf, metrics  # noqa: F401
        from apps.core.jobs import StoreJob, store_job_register
        from apps.core.services import event_log_purge, events_redispatch_pending, sessions_purge

        csrf.install()
        store_job_register(StoreJob(name="core.sessions_purge", func=sessions_purge, every=60 * 60))
        store_job_register(StoreJob(name="core.event_log_purge", func=event_log_purge, every=60 * 60))
        store_job_register(
            StoreJob(name="core.events_redispatch_pending", func=events_redispatch_pending, every=10 * 60)
        )
