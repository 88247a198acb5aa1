"""What the customer endpoints answer and accept. `total_spent` is in the store's currency."""

from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers import StrictSerializer
from apps.core.money import money_quantize
from apps.customers.models import Customer


class AdminCustomerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    has_account = serializers.SerializerMethodField()
    total_spent = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "email",
            "full_name",
            "phone",
            "note",
            "accepts_marketing",
            "has_account",
            "orders_count",
            "total_spent",
            "currency",
            "last_order_at",
            "created_at",
            "updated_at",
        ]

    def get_has_account(self, customer: Customer) -> bool:
        return customer.user_id is not None

    def get_total_spent(self, customer: Customer) -> str:
        return str(money_quantize(customer.total_spent, self.context["currency"]))

    def get_currency(self, customer: Customer) -> str:
        return str(self.context["currency"])


class CustomerCreateSerializer(StrictSerializer):
    """A new customer record: the email is required and must be new to the store."""

    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, trim_whitespace=False)
    accepts_marketing = serializers.BooleanField(required=False)


class CustomerUpdateSerializer(StrictSerializer):
    """Fields left out stay as they are; the email and the order counters are not editable."""

    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, trim_whitespace=False)
    accepts_marketing = serializers.BooleanField(required=False)
