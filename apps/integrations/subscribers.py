"""Every event of the store goes out to the endpoints subscribed to it (see
`apps.integrations.services.deliveries`). Stores without such an endpoint record no delivery
for it at all: the `when` check is one indexed query at dispatch time."""

from __future__ import annotations

from django.db.models import Q

from apps.core.events import Event, subscribe
from apps.core.models import EventRecord
from apps.integrations.models import WebhookEndpoint
from apps.integrations.services import webhooks_fan_out
from apps.integrations.services.endpoints import WEBHOOK_ENDPOINT_DISABLED


def _an_endpoint_wants(event_type: str) -> bool:
    if event_type == WEBHOOK_ENDPOINT_DISABLED:
        # The webhooks' own health stays inside the store (the owners' email, the dashboard's
        # notification centre): sent to the other endpoints, their failures would feed each other.
        return False
    return WebhookEndpoint.objects.filter(
        Q(event_types=[]) | Q(event_types__contains=[event_type]), is_active=True
    ).exists()


@subscribe("*", when=_an_endpoint_wants)
def webhooks_send(event: Event) -> None:
    occurred_at = EventRecord.objects.filter(id=event.id).values_list("created_at", flat=True).first()
    webhooks_fan_out(event_id=event.id, event_type=event.name, payload=event.payload, occurred_at=occurred_at)
