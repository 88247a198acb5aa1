"""The vocabularies of shipments: where one stands, where it came from, and why an order's
delivery is judged at risk."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FulfilmentStatus(models.TextChoices):
    SHIPPED = "shipped", _("Shipped")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# A shipment still on its way (counts as shipped; may still be delivered or cancelled).
OPEN_FULFILMENT_STATUSES = frozenset(
    {FulfilmentStatus.SHIPPED, FulfilmentStatus.IN_TRANSIT, FulfilmentStatus.OUT_FOR_DELIVERY}
)


class FulfilmentSource(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    SUPPLIER = "supplier", _("Reported by the supplier")


class RiskReason(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE_SUPPLIER = "late_supplier", _("Not shipped within the supplier's lead time")
    LATE_TRANSIT = "late_transit", _("Transit takes longer than promised")
    STALLED = "stalled", _("No tracking update for several days")
    EXCEPTION = "exception", _("The carrier reported a problem")
