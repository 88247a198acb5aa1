"""What the refund endpoints answer and accept."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.api.serializers import MoneyField, StrictSerializer
from apps.returns.models import RefundRequest, RefundRequestLine

MAX_LINES = 100


class RefundLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    line_id = serializers.IntegerField(source="order_line_id", read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)
    amount = MoneyField(currency_path="refund_request.currency")

    class Meta:
        model = RefundRequestLine
        fields = ["line_id", "sku", "quantity", "amount", "restocked_quantity"]


class RefundRequestSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    order = serializers.UUIDField(source="order.uuid", read_only=True)
    amount = MoneyField()
    shipping_amount = MoneyField()
    lines = RefundLineSerializer(many=True, read_only=True)

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "order",
            "amount",
            "currency",
            "shipping_amount",
            "store_credit",
            "gift_card",
            "reason",
            "restock",
            "lines",
            "created_at",
        ]


class RefundLineInputSerializer(StrictSerializer):
    line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class RefundCreateSerializer(StrictSerializer):
    """`amount` alone is a free amount; with `lines` or `shipping` it may only be lower than
    what they cost (left out: what they cost)."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    lines = RefundLineInputSerializer(many=True, required=False, max_length=MAX_LINES)
    shipping = serializers.BooleanField(required=False, default=False)
    restock = serializers.BooleanField(required=False, default=False)
    store_credit = serializers.BooleanField(required=False, default=False)
    gift_card = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(_("Enter an amount above 0."))
        return value
