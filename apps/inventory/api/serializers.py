"""What the inventory's admin endpoints answer and accept."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.api.serializers import StrictSerializer
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.inventory.services import MAX_QUANTITY


class LocationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    variant_count = serializers.IntegerField(read_only=True, help_text=_("Variants with units on hand here."))
    on_hand_total = serializers.IntegerField(read_only=True)
    reserved_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Location
        fields = [
            "code",
            "name",
            "kind",
            "priority",
            "is_active",
            "is_pickup",
            "city",
            "country",
            "variant_count",
            "on_hand_total",
            "reserved_total",
            "created_at",
            "updated_at",
        ]


class StockLevelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    sku = serializers.CharField(source="variant.sku", read_only=True)
    product_id = serializers.UUIDField(source="variant.product.uuid", read_only=True)
    location = serializers.CharField(
        source="location.code", read_only=True, help_text=_("The location's code.")
    )
    available = serializers.IntegerField(read_only=True, help_text=_("On hand minus reserved."))

    class Meta:
        model = StockLevel
        fields = [
            "sku",
            "product_id",
            "location",
            "on_hand",
            "reserved",
            "available",
            "low_stock_threshold",
            "updated_at",
        ]


class StockAdjustmentInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=100)
    location = serializers.SlugField(max_length=60, help_text=_("The location's code."))
    delta = serializers.IntegerField(
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=_("Units to add (e.g. 10) or to remove (e.g. -3); never zero."),
    )
    reason = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(
        choices=[StockMovement.Kind.RECEIVED, StockMovement.Kind.ADJUSTED],
        default=StockMovement.Kind.ADJUSTED,
        help_text=_("`received` for goods received, `adjusted` for a correction (count, damage, loss)."),
    )
