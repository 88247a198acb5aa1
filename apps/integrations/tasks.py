"""Celery tasks of outbound webhooks: thin, each runs in the schema of the store that sent it
(tenant-schemas-celery) and calls one service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.integrations.enums import AttemptTrigger, DeliveryStatus
from apps.integrations.services import delivery_attempt

# A retry due this soon is queued with a countdown; later ones are picked up by the sweeper job
# (`integrations.deliveries_queue_due`), since a broker holding day-long countdowns is fragile.
COUNTDOWN_UNDER = timedelta(minutes=15)


@shared_task(bind=True)
def webhook_delivery_send(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """One automatic attempt at a delivery, if it is due."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if (
        delivery.status == DeliveryStatus.RETRYING
        and delivery.next_attempt_at is not None
        and not self.request.is_eager
    ):
        wait = delivery.next_attempt_at - timezone.now()
        if wait <= COUNTDOWN_UNDER:
            self.apply_async(args=(delivery_id,), countdown=max(0.0, wait.total_seconds()))
    return str(delivery.status)


@shared_task
def webhook_delivery_resend(delivery_id: int) -> str:
    """A manual resend asked for on the dashboard: one attempt now, same message id."""
    delivery = delivery_attempt(delivery_id=delivery_id, trigger=AttemptTrigger.MANUAL)
    return str(delivery.status) if delivery is not None else "skipped"
