"""Orders' periodic per-store jobs (registered in OrdersConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def register() -> None:
    from apps.orders.services import orders_expire_unpaid

    # Every minute: cancel orders whose payment window ran out and give their stock back.
    store_job_register(StoreJob(name="orders.expire_unpaid", func=orders_expire_unpaid, every=60))
