"""Fulfilment's periodic per-store jobs (registered in FulfilmentConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register

DELIVERY_RISK_JOB = "fulfilment.delivery_risks"


def register() -> None:
    from apps.fulfilment.risk import delivery_risks_evaluate

    def delivery_risks() -> dict[str, int]:
        return delivery_risks_evaluate()

    # Hourly: judge every open paid order's delivery and tell shoppers whose order runs late.
    store_job_register(
        StoreJob(name=DELIVERY_RISK_JOB, func=delivery_risks, every=60 * 60, time_limit=10 * 60)
    )
