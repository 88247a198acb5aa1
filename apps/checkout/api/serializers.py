"""What the discount and gift card endpoints read and answer. Amounts are strings in the
currency's precision next to their currency ("12.50", "EUR"); timestamps ISO 8601. Request
serializers check the shape of a body only: the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import StrictSerializer, money_str
from apps.checkout.admin_selectors import DiscountStatus, GiftCardStatus
from apps.checkout.models import Discount, DiscountKind, GiftCard, GiftCardTransaction

PERCENT_STEP = Decimal("0.01")
LIST_MAX = 1000  # products or collections a discount names


def _currency(serializer: serializers.BaseSerializer[Any]) -> str:
    return str(serializer.context.get("currency") or "")


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
class DiscountSerializer(serializers.ModelSerializer[Discount]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()
    get_percent = serializers.SerializerMethodField()
    min_subtotal = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    products = serializers.SerializerMethodField()
    collections = serializers.SerializerMethodField()

    class Meta:
        model = Discount
        fields = [
            "id",
            "code",
            "name",
            "automatic",
            "kind",
            "value",
            "buy_quantity",
            "get_quantity",
            "get_percent",
            "currency",
            "products",
            "collections",
            "min_subtotal",
            "starts_at",
            "ends_at",
            "usage_limit",
            "times_used",
            "once_per_customer",
            "combines",
            "active",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=DiscountStatus.choices))
    def get_status(self, discount: Discount) -> str:
        return str(getattr(discount, "status", ""))

    @extend_schema_field(OpenApiTypes.STR)
    def get_value(self, discount: Discount) -> str | None:
        """A percentage ("10.00") or an amount in the store's currency, by `kind`; null for
        free shipping and buy X get Y."""
        if discount.kind == DiscountKind.PERCENTAGE:
            return str(discount.value.quantize(PERCENT_STEP))
        if discount.kind == DiscountKind.FIXED:
            return money_str(discount.value, _currency(self))
        return None

    @extend_schema_field(OpenApiTypes.STR)
    def get_get_percent(self, discount: Discount) -> str | None:
        if discount.kind != DiscountKind.BUY_X_GET_Y:
            return None
        return str(discount.get_percent.quantize(PERCENT_STEP))

    @extend_schema_field(OpenApiTypes.STR)
    def get_min_subtotal(self, discount: Discount) -> str | None:
        return money_str(discount.min_subtotal, _currency(self))

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, discount: Discount) -> str:
        return _currency(self)

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_products(self, discount: Discount) -> list[str]:
        return [str(product.uuid) for product in discount.products.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_collections(self, discount: Discount) -> list[str]:
        return [collection.handle for collection in discount.collections.all()]


class DiscountWriteSerializer(StrictSerializer):
    """A discount to create, or the fields of one to change (PATCH: absent fields keep their
    value)."""

    name = serializers.CharField(max_length=200, help_text=_("Shown to shoppers in the order summary."))
    kind = serializers.ChoiceField(choices=DiscountKind.choices)
    value = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        required=False,
        help_text=_("A percentage (10 = 10 %) for `percentage`, an amount for `fixed`; unused otherwise."),
    )
    code = serializers.CharField(max_length=100, required=False, allow_blank=True)
    automatic = serializers.BooleanField(required=False)
    buy_quantity = serializers.IntegerField(required=False)
    get_quantity = serializers.IntegerField(required=False)
    get_percent = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    products = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=LIST_MAX,
        help_text=_("Product ids it is restricted to (empty: the whole order)."),
    )
    collections = serializers.ListField(
        child=serializers.CharField(max_length=255),
        required=False,
        max_length=LIST_MAX,
        help_text=_("Collection handles it is restricted to."),
    )
    min_subtotal = serializers.DecimalField(max_digits=15, decimal_places=3, required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    usage_limit = serializers.IntegerField(required=False, allow_null=True)
    once_per_customer = serializers.BooleanField(required=False)
    combines = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
class GiftCardTransactionSerializer(serializers.ModelSerializer[GiftCardTransaction]):
    amount = serializers.SerializerMethodField()
    balance_after = serializers.SerializerMethodField()

    class Meta:
        model = GiftCardTransaction
        fields = ["kind", "amount", "balance_after", "reference", "note", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount(self, entry: GiftCardTransaction) -> str | None:
        return money_str(entry.amount, entry.gift_card.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_balance_after(self, entry: GiftCardTransaction) -> str | None:
        return money_str(entry.balance_after, entry.gift_card.currency)


class GiftCardSerializer(serializers.ModelSerializer[GiftCard]):
    """A gift card without its code: only the last four characters, as the dashboard shows it."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    code_last4 = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    initial_balance = serializers.SerializerMethodField()
    loaded_total = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    class Meta:
        model = GiftCard
        fields = [
            "id",
            "code_last4",
            "currency",
            "initial_balance",
            "loaded_total",
            "balance",
            "status",
            "active",
            "expires_at",
            "issued_to_email",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_code_last4(self, card: GiftCard) -> str:
        return card.code[-4:]

    @extend_schema_field(serializers.ChoiceField(choices=GiftCardStatus.choices))
    def get_status(self, card: GiftCard) -> str:
        return str(getattr(card, "status", ""))

    @extend_schema_field(OpenApiTypes.STR)
    def get_initial_balance(self, card: GiftCard) -> str | None:
        return money_str(card.initial_balance, card.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_loaded_total(self, card: GiftCard) -> str | None:
        return money_str(card.loaded_total, card.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_balance(self, card: GiftCard) -> str | None:
        return money_str(card.balance, card.currency)


class GiftCardDetailSerializer(GiftCardSerializer):
    transactions = serializers.SerializerMethodField()
    transactions_total = serializers.SerializerMethodField()

    class Meta(GiftCardSerializer.Meta):
        fields = [*GiftCardSerializer.Meta.fields, "transactions", "transactions_total"]
        read_only_fields = fields

    @extend_schema_field(GiftCardTransactionSerializer(many=True))
    def get_transactions(self, card: GiftCard) -> list[dict[str, Any]]:
        """The newest ledger rows (all of them: `/gift-cards/{id}/transactions`)."""
        entries = self.context.get("transactions") or []
        return list(GiftCardTransactionSerializer(entries, many=True).data)

    @extend_schema_field(OpenApiTypes.INT)
    def get_transactions_total(self, card: GiftCard) -> int:
        return int(self.context.get("transactions_total") or 0)


class GiftCardIssuedSerializer(GiftCardDetailSerializer):
    """The answer to issuing a card: the only time its full code is given."""

    code = serializers.CharField(read_only=True)

    class Meta(GiftCardDetailSerializer.Meta):
        fields = ["code", *GiftCardDetailSerializer.Meta.fields]
        read_only_fields = fields


class GiftCardIssueSerializer(StrictSerializer):
    amount = serializers.DecimalField(
        max_digits=15, decimal_places=3, help_text=_("In the store's currency.")
    )
    code = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("Optional: leave out to generate a code that cannot be guessed."),
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    issued_to_email = serializers.EmailField(required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class GiftCardAdjustSerializer(StrictSerializer):
    amount = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        help_text=_("An amount to add (a top-up, e.g. 10) or to take off (e.g. -5)."),
    )
    note = serializers.CharField(max_length=255, help_text=_("Why the balance changes."))

    def validate_amount(self, value: Decimal) -> Decimal:
        if value == 0:
            raise serializers.ValidationError(_("Enter an amount other than zero."))
        return value
