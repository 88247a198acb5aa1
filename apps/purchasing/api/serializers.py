"""What the purchase order endpoints read and answer. Amounts are strings in the currency's
precision next to their currency; timestamps ISO 8601."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.api.serializers import StrictSerializer, money_str
from apps.purchasing.errors import purchase_order_error_message
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderShipment


class PurchaseOrderLineSerializer(serializers.ModelSerializer[PurchaseOrderLine]):
    unit_cost = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrderLine
        fields = ["title", "sku", "supplier_sku", "supplier_product_id", "quantity", "unit_cost"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_unit_cost(self, line: PurchaseOrderLine) -> str | None:
        return money_str(line.unit_cost, line.purchase_order.currency)


class PurchaseOrderShipmentSerializer(serializers.ModelSerializer[PurchaseOrderShipment]):
    class Meta:
        model = PurchaseOrderShipment
        fields = ["tracking_number", "carrier", "last_event_at", "delivered_at", "created_at"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer[PurchaseOrder]):
    id = serializers.CharField(source="reference", read_only=True)
    order = serializers.SerializerMethodField()
    supplier = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    shipping_cost = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField()
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)
    shipments = PurchaseOrderShipmentSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "status",
            "order",
            "supplier",
            "supplier_order_id",
            "cost",
            "shipping_cost",
            "currency",
            "attempts",
            "last_error",
            "next_attempt_at",
            "placed_at",
            "tracking_synced_at",
            "lines",
            "shipments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "PurchaseOrderOrder", {"id": serializers.UUIDField(), "number": serializers.IntegerField()}
        )
    )
    def get_order(self, po: PurchaseOrder) -> dict[str, Any]:
        return {"id": str(po.order.uuid), "number": po.order.number}

    @extend_schema_field(
        inline_serializer(
            "PurchaseOrderSupplier", {"code": serializers.CharField(), "name": serializers.CharField()}
        )
    )
    def get_supplier(self, po: PurchaseOrder) -> dict[str, Any]:
        return {"code": po.supplier.code, "name": po.supplier.name}

    @extend_schema_field(OpenApiTypes.STR)
    def get_cost(self, po: PurchaseOrder) -> str | None:
        return money_str(po.cost, po.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_shipping_cost(self, po: PurchaseOrder) -> str | None:
        return money_str(po.shipping_cost, po.currency)

    @extend_schema_field(
        inline_serializer(
            "PurchaseOrderError",
            {"code": serializers.CharField(), "message": serializers.CharField()},
            allow_null=True,
        )
    )
    def get_last_error(self, po: PurchaseOrder) -> dict[str, str] | None:
        """Why the last attempt failed, as a stable code and a sentence; null when it did not."""
        if not po.last_error_code:
            return None
        return {
            "code": po.last_error_code,
            "message": purchase_order_error_message(po.last_error_code, po.last_error_params),
        }


class MarkPlacedSerializer(StrictSerializer):
    supplier_order_id = serializers.CharField(
        max_length=120, help_text=_("The number the supplier gave the order when it was placed with them.")
    )
    cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text=_("Leave out to keep the cost from the supplier's prices."),
    )
    shipping_cost = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=Decimal(0), required=False, allow_null=True
    )
