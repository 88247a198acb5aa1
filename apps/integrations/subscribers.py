"""Every event of the store goes out to the endpoints subscribed to it (see
`apps.integrations.services.deliveries`)."""

from __future__ import annotations

from apps.core.events import Event, subscribe
from apps.core.models import EventRecord
from apps.integrations.services import webhooks_fan_out


@subscribe("*")
def webhooks_send(event: Event) -> None:
    occurred_at = EventRecord.objects.filter(id=event.id).values_list("created_at", flat=True).first()
    webhooks_fan_out(event_id=event.id, event_type=event.name, payload=event.payload, occurred_at=occurred_at)
