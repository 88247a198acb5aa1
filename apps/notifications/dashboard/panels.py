"""The order page's "Emails" panel: what was sent to the customer about this order."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.notifications.catalog import TemplateName
from apps.notifications.models import Delivery
from apps.orders.models import Order

PANEL_LIMIT = 10


def emails_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    deliveries = list(
        Delivery.objects.filter(order_uuid=order.uuid)
        .only("id", "created_at", "template", "channel", "to", "status", "error")
        .order_by("-created_at")[:PANEL_LIMIT]
    )
    if not deliveries:
        return None
    labels = dict(TemplateName.choices)
    return {"deliveries": [{"delivery": d, "label": labels.get(d.template, d.template)} for d in deliveries]}
