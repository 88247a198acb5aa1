"""Housekeeping of the core's per-store data (event log)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.models import EventRecord


def event_log_purge() -> int:
    """Delete this store's events older than EVENT_LOG_RETENTION_DAYS; returns the count."""
    cutoff = timezone.now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS)
    deleted, _ = EventRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
