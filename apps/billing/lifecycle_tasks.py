"""Platform-wide billing lifecycle jobs (thin: each calls one function and is safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from apps.billing.lifecycle import billing_lifecycle_run
from apps.billing.notices import notice_deliver


@shared_task(acks_late=True)
def billing_lifecycle_run_task() -> dict[str, int]:
    """Trials that ended without a subscription, trial-ending emails, dunning reminders, suspension emails, retention warnings and
    deletions, and retries of undelivered emails (apps.billing.lifecycle)."""
    result = billing_lifecycle_run()
    return {
        "trial_ending": result.trial_ending,
        "trials_ended": result.trials_ended,
        "reminders": result.reminders,
        "suspended": result.suspended,
        "retention_warned": result.retention.warned,
        "retention_deleted": result.retention.deleted,
        "retention_waiting": result.retention.waiting,
        "retried": result.retried,
    }


@shared_task(acks_late=True)
def billing_notice_deliver_task(notice_id: int) -> bool:
    """Send one billing lifecycle email (recorded once; sent at most once)."""
    return notice_deliver(notice_id=notice_id)
