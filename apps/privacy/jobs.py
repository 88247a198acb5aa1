"""The privacy app's periodic per-store job (registered in PrivacyConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register

RETENTION_JOB = "privacy.retention_purge"


def _retention_purge() -> dict[str, int | str]:
    from apps.privacy.services import retention_purge_run

    return retention_purge_run()


def register() -> None:
    # Daily: every data kind past the store's retention period (the summary is the job's result).
    store_job_register(
        StoreJob(name=RETENTION_JOB, func=_retention_purge, every=24 * 60 * 60, time_limit=15 * 60)
    )
