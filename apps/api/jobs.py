"""Per-store clean-up of the API's idempotency records (apps/core/jobs.py)."""

from __future__ import annotations

from apps.api.idempotency import idempotency_records_purge
from apps.core.jobs import StoreJob, store_job_register

store_job_register(StoreJob(name="api.idempotency_purge", func=idempotency_records_purge, every=6 * 60 * 60))
