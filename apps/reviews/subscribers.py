"""Event subscribers of the reviews app (imported from ReviewsConfig.ready)."""

from __future__ import annotations

import uuid

from apps.core.events import Event, subscribe
from apps.orders.models import Order
from apps.reviews.services import review_request_record


@subscribe("order.delivered")
def review_request_on_delivery(event: Event) -> None:
    """An order arrived: ask for a review once the store's delay has passed."""
    try:
        order_uuid = uuid.UUID(str(event.payload.get("order", "")))
    except ValueError:
        return
    order = Order.objects.filter(uuid=order_uuid).first()
    if order is not None:
        review_request_record(order=order)
