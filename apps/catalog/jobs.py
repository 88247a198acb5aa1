"""The catalog's periodic per-store jobs (registered in CatalogConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def register() -> None:
    from apps.catalog.services import import_runs_fail_interrupted, search_terms_rebuild

    store_job_register(
        StoreJob(
            name="catalog.import_runs_fail_interrupted", func=import_runs_fail_interrupted, every=60 * 60
        )
    )
    # Words of deleted or renamed products leave the search vocabulary once a day.
    store_job_register(
        StoreJob(name="catalog.search_terms_rebuild", func=search_terms_rebuild, every=24 * 60 * 60)
    )
