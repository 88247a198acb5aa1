"""Platform-wide billing job: report unreported metered usage to Stripe (apps.billing.metering).
Idempotent: a re-run, or two runs at once, report each record once."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from apps.billing.metering import usage_report_pending


@shared_task(acks_late=True)
def usage_report_pending_task() -> dict[str, int]:
    return asdict(usage_report_pending())
