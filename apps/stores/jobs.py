"""The stores app's periodic per-store jobs (registered in StoresConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register

# The ECB publishes once a working day, around 16:00 CET; a few runs a day pick it up soon
# after without asking the source more than needed.
EXCHANGE_RATES_REFRESH_SECONDS = 6 * 60 * 60


def register() -> None:
    from apps.stores.exchange_rates import exchange_rates_refresh_if_enabled

    store_job_register(
        StoreJob(
            name="stores.exchange_rates_refresh",
            func=exchange_rates_refresh_if_enabled,
            every=EXCHANGE_RATES_REFRESH_SECONDS,
            time_limit=2 * 60,
        )
    )
