"""What the shipment endpoints answer and accept (order lines are named by their id in the
order, as the order's detail lists them)."""

from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers import StrictSerializer
from apps.fulfilment.models import Fulfilment, FulfilmentLine, TrackingEvent

MAX_LINES = 100


class FulfilmentLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    line_id = serializers.IntegerField(source="order_line_id", read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)

    class Meta:
        model = FulfilmentLine
        fields = ["line_id", "sku", "quantity"]


class TrackingEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TrackingEvent
        fields = ["occurred_at", "status", "description", "location"]


class FulfilmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    lines = FulfilmentLineSerializer(many=True, read_only=True)
    events = TrackingEventSerializer(many=True, read_only=True)

    class Meta:
        model = Fulfilment
        fields = [
            "id",
            "status",
            "source",
            "carrier",
            "carrier_name",
            "tracking_number",
            "tracking_url",
            "estimated_delivery",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "lines",
            "events",
        ]


class FulfilmentLineInputSerializer(StrictSerializer):
    line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class FulfilmentCreateSerializer(StrictSerializer):
    lines = FulfilmentLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    carrier = serializers.CharField(max_length=40)
    carrier_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=100)
    tracking_url = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FulfilmentDeliveredSerializer(StrictSerializer):
    delivered_at = serializers.DateTimeField(required=False)
