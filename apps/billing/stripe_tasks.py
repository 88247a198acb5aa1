"""Platform-wide billing job: suspend the stores of merchants whose grace period ended."""

from __future__ import annotations

from celery import shared_task

from apps.billing.subscriptions import billing_grace_expire


@shared_task(acks_late=True)
def billing_grace_expire_task() -> int:
    return billing_grace_expire()
