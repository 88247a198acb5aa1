"""Analytics' periodic per-store jobs (registered in AnalyticsConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register

FLUSH_JOB = "analytics.visits_flush"
AGGREGATE_JOB = "analytics.daily_aggregate"


def register() -> None:
    from apps.analytics.services import daily_aggregate_recent, visits_flush

    # Every minute: the store's queued page views into the raw table, in bulk.
    store_job_register(StoreJob(name=FLUSH_JOB, func=visits_flush, every=60, time_limit=5 * 60))
    # Hourly: yesterday's and today's figures rebuilt (idempotent).
    store_job_register(
        StoreJob(name=AGGREGATE_JOB, func=daily_aggregate_recent, every=60 * 60, time_limit=15 * 60)
    )
