"""The catalog's periodic per-store jobs (registered in CatalogConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def register() -> None:
    from apps.catalog.services import import_runs_fail_interrupted

    store_job_register(
        StoreJob(
            name="catalog.import_runs_fail_interrupted", func=import_runs_fail_interrupted, every=60 * 60
        )
    )
