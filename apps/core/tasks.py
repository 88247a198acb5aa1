"""Event dispatch and delivery tasks. They run in the schema of the store that sent them."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.core.events import Event, subscribers_applying, subscribers_for
from apps.core.models import EventDelivery, EventRecord
from apps.core.tenancy import current_schema

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def event_dispatch(self, event_id: str) -> int:  # type: ignore[no-untyped-def]
    """Create one delivery per subscriber and queue each; returns how many were queued."""
    with transaction.atomic():
        record = EventRecord.objects.select_for_update().filter(id=event_id).first()
        if record is None:
            logger.warning("event %s not found in %s", event_id, current_schema())
            return 0
        names = subscribers_applying(record.name)
        existing = set(record.deliveries.values_list("subscriber", flat=True))
        EventDelivery.objects.bulk_create(
            [EventDelivery(event=record, subscriber=name) for name in names if name not in existing]
        )
        record.status = EventRecord.Status.DISPATCHED
        record.dispatched_at = timezone.now()
        record.save(update_fields=["status", "dispatched_at", "updated_at"])
        delivery_ids = list(
            record.deliveries.filter(status=EventDelivery.Status.PENDING).values_list("id", flat=True)
        )
    for delivery_id in delivery_ids:
        event_deliver.delay(delivery_id)
    return len(delivery_ids)


@shared_task(bind=True, max_retries=5)
def event_deliver(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """Run one subscriber for one event; failures are recorded and retried with backoff."""
    delivery = EventDelivery.objects.select_related("event").filter(id=delivery_id).first()
    if delivery is None or delivery.status == EventDelivery.Status.SUCCEEDED:
        return "skipped"
    handler = subscribers_for(delivery.event.name).get(delivery.subscriber)
    delivery.attempts += 1
    if handler is None:
        delivery.status = EventDelivery.Status.FAILED
        delivery.last_error = "Subscriber is no longer registered."
        delivery.save(update_fields=["attempts", "status", "last_error", "updated_at"])
        return delivery.status
    event = Event(
        id=str(delivery.event_id),
        name=delivery.event.name,
        payload=delivery.event.payload,
        schema_name=current_schema(),
    )
    try:
        handler(event)
    except Exception as exc:  # a subscriber's failure must not break the others
        logger.exception("subscriber %s failed for %s", delivery.subscriber, event.name)
        delivery.status = EventDelivery.Status.FAILED
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.save(update_fields=["attempts", "status", "last_error", "updated_at"])
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(countdown=2 ** (self.request.retries + 2), exc=exc) from exc
        return delivery.status
    delivery.status = EventDelivery.Status.SUCCEEDED
    delivery.last_error = ""
    delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["attempts", "status", "last_error", "delivered_at", "updated_at"])
    return delivery.status
