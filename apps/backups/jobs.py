"""The backups app's periodic per-store job (registered in BackupsConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register

EXPORTS_EXPIRE_JOB = "backups.store_exports_expire"


def _exports_expire() -> int:
    from apps.backups.services import store_exports_expire_due

    return store_exports_expire_due()


def register() -> None:
    # Hourly: archives past their download time are removed from the private storage.
    store_job_register(
        StoreJob(name=EXPORTS_EXPIRE_JOB, func=_exports_expire, every=60 * 60, time_limit=10 * 60)
    )
