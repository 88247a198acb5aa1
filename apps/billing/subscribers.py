"""Store events billing listens to: `order.created` -> the order is counted against its store's
orders per day (apps.billing.order_metering). Only the payload is read: billing imports nothing
of the orders app."""

from __future__ import annotations

import logging
import uuid

from apps.billing.order_metering import order_count
from apps.core.events import Event, subscribe
from apps.core.models import EventRecord
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)


@subscribe("order.created")
def order_count_on_order_created(event: Event) -> None:
    if event.payload.get("status") == "draft":
        return  # a draft a staff member is preparing is not an order yet
    try:
        order_uuid = uuid.UUID(str(event.payload.get("order")))
    except ValueError:
        logger.warning("order.created %s without an order id", event.id)
        return
    store = Tenant.objects.filter(schema_name=event.schema_name).select_related("merchant").first()
    if store is None:
        logger.warning("order.created %s from an unknown store %s", event.id, event.schema_name)
        return
    # The day the order was placed, not the day the event was delivered.
    created_at = EventRecord.objects.filter(pk=event.id).values_list("created_at", flat=True).first()
    order_count(
        store=store,
        order_uuid=order_uuid,
        number=str(event.payload.get("number") or ""),
        day=created_at.date() if created_at else None,
    )
