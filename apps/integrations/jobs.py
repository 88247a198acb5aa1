"""Periodic per-store jobs of outbound webhooks (registered in IntegrationsConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def _queue_due() -> int:
    from apps.integrations.services import deliveries_queue_due

    return deliveries_queue_due()


def _purge() -> int:
    from apps.integrations.services import deliveries_purge

    return deliveries_purge()


def register() -> None:
    # Every minute: retries whose time has come (and sends whose task was lost).
    store_job_register(StoreJob(name="integrations.deliveries_queue_due", func=_queue_due, every=60))
    # Daily: delivered and dead deliveries past the retention period.
    store_job_register(StoreJob(name="integrations.deliveries_purge", func=_purge, every=24 * 60 * 60))
