"""Sourcing's periodic per-store jobs (registered in SourcingConfig.ready)."""

from __future__ import annotations

from typing import Any

from apps.core.jobs import StoreJob, store_job_register


def suppliers_sync_queue() -> dict[str, Any]:
    """Queue one sync per supplier of this store that syncs automatically, so a slow or failing
    supplier holds up no other; returns the queued supplier ids."""
    from apps.sourcing.services import supplier_sync_queue, supplier_syncable

    queued = []
    for supplier in supplier_syncable():
        supplier_sync_queue(supplier=supplier)
        queued.append(supplier.pk)
    return {"suppliers": queued}


def register() -> None:
    store_job_register(StoreJob(name="sourcing.suppliers_sync", func=suppliers_sync_queue, every=60 * 60))
