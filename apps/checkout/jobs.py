"""The checkout's periodic per-store jobs (registered in CheckoutConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register


def register() -> None:
    from apps.checkout.services.abandoned import carts_abandoned_notify

    # Every 10 minutes: announce the checkouts left with an email and a full cart.
    store_job_register(StoreJob(name="checkout.carts_abandoned", func=carts_abandoned_notify, every=10 * 60))
