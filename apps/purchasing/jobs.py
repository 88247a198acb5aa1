"""Purchasing's periodic per-store jobs (registered in PurchasingConfig.ready)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from apps.core.jobs import StoreJob, store_job_register


def tracking_sync() -> dict[str, Any]:
    """Supplier tracking of placed orders turned into shipments; supplier orders whose
    placement task was lost are queued again."""
    from apps.purchasing.services import purchase_orders_resend_due, purchase_orders_tracking_sync

    result = asdict(purchase_orders_tracking_sync())
    result["resent"] = purchase_orders_resend_due()
    return result


def register() -> None:
    store_job_register(StoreJob(name="purchasing.tracking_sync", func=tracking_sync, every=30 * 60))
