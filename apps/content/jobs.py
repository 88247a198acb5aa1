"""The content app's periodic per-store job (registered in ContentConfig.ready): scheduled
publishing, Wagtail's `publish_scheduled` command run inside each store's schema by beat."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from wagtail.models import DraftStateMixin, Page, Revision

from apps.core.jobs import StoreJob, store_job_register

SCHEDULED_PUBLISH_JOB = "content.scheduled_publish"
SCHEDULED_PUBLISH_EVERY = 60  # seconds: a post set for 9:00 is live by 9:01


def scheduled_publish() -> dict[str, int]:
    """Unpublish what has expired, then publish every revision whose approved go-live time has
    passed, oldest first (the logic of Wagtail's `publish_scheduled`). Runs in the current
    store's schema only; idempotent (a published revision loses its `approved_go_live_at`)."""
    now = timezone.now()
    models: list[type] = [Page]
    models += [
        model
        for model in apps.get_models()
        if issubclass(model, DraftStateMixin) and not issubclass(model, Page)
    ]
    expired = 0
    for model in models:
        for obj in list(model.objects.filter(live=True, expire_at__lt=now).order_by("expire_at")):  # type: ignore[attr-defined]
            with transaction.atomic():
                obj.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")
            expired += 1
    published = 0
    for revision in Revision.objects.filter(approved_go_live_at__lt=now).order_by("approved_go_live_at"):
        with transaction.atomic():
            revision.publish(log_action="wagtail.publish.scheduled")
        published += 1
    return {"published": published, "expired": expired}


def register() -> None:
    store_job_register(
        StoreJob(name=SCHEDULED_PUBLISH_JOB, func=scheduled_publish, every=SCHEDULED_PUBLISH_EVERY)
    )
