"""Shipments of an order (`Fulfilment` with its `FulfilmentLine`s), what the carrier said about
them (`TrackingEvent`, each stored once however often tracking is synced), and the latest
judgement of whether an order arrives when it was promised (`DeliveryRisk`).

Rules that must always hold are constraints: a shipment has a tracking number and ships at least
one unit per line; a delivered shipment says when; one risk row per order.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.fulfilment.enums import FulfilmentSource, FulfilmentStatus, RiskReason


class Fulfilment(TimeStampedModel):
    """One parcel sent to the shopper: some units of some of the order's lines."""

    # The public id (the REST API's); the database fills it for rows made before it existed.
    uuid = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="fulfilments", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FulfilmentStatus.choices, default=FulfilmentStatus.SHIPPED
    )
    carrier = models.CharField(_("carrier"), max_length=40)  # a code of apps.fulfilment.carriers
    carrier_name = models.CharField(_("carrier name"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    tracking_url = models.URLField(_("tracking link"), max_length=1000, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=FulfilmentSource.choices, default=FulfilmentSource.MANUAL
    )
    # The supplier order (apps.purchasing) it came from; no foreign key so the apps stay apart.
    purchase_order_id = models.BigIntegerField(_("supplier order"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The carrier's own estimate, when it gave one.
    estimated_delivery = models.DateField(_("estimated delivery"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The one-time token of the staff form that recorded it: the same form posted again (a
    # double click, a reload) ships nothing more.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["shipped_at", "id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FulfilmentStatus.values), name="fulfilment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=FulfilmentSource.values), name="fulfilment_source_valid"
            ),
            models.CheckConstraint(condition=~Q(tracking_number=""), name="fulfilment_tracking_number_set"),
            models.CheckConstraint(condition=~Q(carrier=""), name="fulfilment_carrier_set"),
            models.CheckConstraint(
                condition=~Q(status=FulfilmentStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="fulfilment_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=FulfilmentStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="fulfilment_cancelled_has_time",
            ),
        ]
        indexes = [models.Index(fields=["order", "status"], name="fulfilment_order_status")]

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == FulfilmentStatus.CANCELLED

    @property
    def is_delivered(self) -> bool:
        return self.status == FulfilmentStatus.DELIVERED


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfilment_line_quantity_positive"),
            models.UniqueConstraint(fields=["fulfilment", "order_line"], name="fulfilment_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"


class TrackingEvent(models.Model):
    """One scan the carrier reported; the same scan synced again is not stored twice."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("when"))
    status = models.CharField(_("status"), max_length=40)
    description = models.CharField(_("description"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fulfilment", "occurred_at", "status", "description", "location"],
                name="fulfilment_tracking_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class DeliveryRisk(TimeStampedModel):
    """The latest estimate of when an open order arrives, against what was promised at payment."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="delivery_risk")
    estimated_delivery = models.DateField(_("estimated delivery"), null=True, blank=True)
    promised_delivery = models.DateField(_("promised delivery"), null=True, blank=True)
    at_risk = models.BooleanField(_("at risk"), default=False)
    reason = models.CharField(
        _("reason"), max_length=20, choices=RiskReason.choices, default=RiskReason.ON_TIME
    )
    evaluated_at = models.DateTimeField(_("evaluated"))
    # When the shopper was last told, and the estimate they were told (told again only when the
    # estimate moves further, see apps.fulfilment.risk).
    notified_at = models.DateTimeField(_("shopper told"), null=True, blank=True)
    notified_estimate = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["estimated_delivery", "id"]
        verbose_name = _("delivery risk")
        verbose_name_plural = _("delivery risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=RiskReason.values), name="fulfilment_risk_reason_valid"
            )
        ]
        indexes = [models.Index(fields=["at_risk", "estimated_delivery"], name="fulfilment_risk_at_risk")]

    def __str__(self) -> str:
        return f"order {self.order_id}: {self.reason}"

    @property
    def days_late(self) -> int:
        if self.estimated_delivery is None or self.promised_delivery is None:
            return 0
        return max(0, (self.estimated_delivery - self.promised_delivery).days)
