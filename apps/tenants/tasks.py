"""Provisioning and the platform-wide housekeeping loop over stores."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.core.services import event_log_purge, events_redispatch_pending
from apps.tenants.models import Tenant
from apps.tenants.services import store_provision

logger = logging.getLogger(__name__)


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60, acks_late=True)
def store_provision_task(tenant_id: int) -> str:
    return store_provision(tenant_id=tenant_id).status


@shared_task
def stores_housekeeping() -> dict[str, int]:
    """Hourly, for every serving store: delete expired sessions and events past retention,
    queue again events whose dispatch never reached the broker, and fail import runs whose
    worker died."""
    from apps.catalog.services import import_runs_fail_interrupted

    totals = {"stores": 0, "sessions": 0, "events": 0, "events_redispatched": 0, "imports_failed": 0}
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with tenant_context(tenant):
            sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
            events = event_log_purge()
            totals["events_redispatched"] += events_redispatch_pending()
            totals["imports_failed"] += import_runs_fail_interrupted()
        totals["stores"] += 1
        totals["sessions"] += sessions
        totals["events"] += events
    logger.info("housekeeping done", extra=totals)
    return totals
