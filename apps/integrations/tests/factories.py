"""Test data of the webhook tests: endpoints through the services, deliveries as rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.selectors import endpoint_current_secret
from apps.integrations.services import body_render, delivery_attempt, endpoint_create, message_id_for


def make_endpoint(
    url: str = "https://hooks.example.com/webhooks", *, event_types: Iterable[str] = (), description: str = ""
) -> WebhookEndpoint:
    return endpoint_create(url=url, description=description, event_types=event_types)


def attempted(*, delivery_id: int, **kwargs: Any) -> WebhookDelivery:
    """`delivery_attempt` for a delivery that is due: its result, never None."""
    result = delivery_attempt(delivery_id=delivery_id, **kwargs)
    assert result is not None
    return result


def current_secret(endpoint: WebhookEndpoint) -> str:
    found = endpoint_current_secret(endpoint=endpoint)
    assert found is not None
    return found.secret


def make_delivery(
    endpoint: WebhookEndpoint,
    *,
    event_type: str = "order.paid",
    status: str = DeliveryStatus.PENDING,
    payload: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    **fields: Any,
) -> WebhookDelivery:
    event_id = uuid.uuid4()
    now = timezone.now()
    scheduled = status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        message_id=message_id_for(event_id),
        event_type=event_type,
        body=body_render(event_type=event_type, occurred_at=now, payload=payload or {"order": "1001"}),
        status=status,
        next_attempt_at=fields.pop("next_attempt_at", now if scheduled else None),
        **fields,
    )
    if created_at is not None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=created_at)
        delivery.refresh_from_db()
    return delivery
