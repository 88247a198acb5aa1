"""Sending one queued message, inside the store that queued it (the task carries its schema)."""

from __future__ import annotations

from celery import shared_task

from apps.core.jobs import store_task
from apps.notifications.services import delivery_attempt


@shared_task(bind=True, max_retries=5, acks_late=True)
@store_task
def delivery_send_task(self, delivery_id: str) -> str:  # type: ignore[no-untyped-def]
    """Render and send one delivery; a transient failure (SMTP, network) is retried with
    backoff and the row says failed after the last try."""
    final = bool(self.request.is_eager) or self.request.retries >= self.max_retries
    result = delivery_attempt(delivery_id=delivery_id, final=final)
    if result.retry:
        raise self.retry(countdown=30 * 2**self.request.retries)
    return result.status
