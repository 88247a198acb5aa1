"""Inventory's periodic per-store jobs (registered in InventoryConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def register() -> None:
    from apps.inventory.services import reservations_release_expired

    # Every few minutes: give back the stock of carts and orders whose hold ran out.
    store_job_register(
        StoreJob(
            name="inventory.reservations_release_expired", func=reservations_release_expired, every=5 * 60
        )
    )
