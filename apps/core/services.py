"""Housekeeping of the core's per-store data (sessions, event log), run by periodic store jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.metrics import events_pending_report
from apps.core.models import EventRecord
from apps.core.tenancy import current_schema


def sessions_purge() -> int:
    """Delete this store's expired sessions; returns the count."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def event_log_purge() -> int:
    """Delete this store's events older than EVENT_LOG_RETENTION_DAYS; returns the count."""
    cutoff = timezone.now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS)
    deleted, _ = EventRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def events_redispatch_pending(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Queue again this store's events still pending well after their commit (the broker was
    unreachable when they were emitted); returns how many. Dispatch is idempotent. How many
    there were is reported for the platform's `events_pending` metric (apps.core.metrics)."""
    from apps.core.tasks import event_dispatch

    cutoff = timezone.now() - older_than
    schema = current_schema()
    stuck = EventRecord.objects.filter(status=EventRecord.Status.PENDING, created_at__lt=cutoff)
    batch = 1000
    event_ids = [
        str(event_id) for event_id in stuck.order_by("created_at").values_list("id", flat=True)[:batch]
    ]
    events_pending_report(schema=schema, count=len(event_ids) if len(event_ids) < batch else stuck.count())
    for event_id in event_ids:
        event_dispatch.apply_async(args=(event_id,), headers={"_schema_name": schema})
    return len(event_ids)
