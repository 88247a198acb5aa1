"""What the orders' endpoints answer and accept. Amounts are strings at the currency's precision
("12.50") next to the ISO currency; ids are the order's uuid (order lines, which only exist
inside their order, keep their numeric id so refunds and shipments can name them)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import SHIPPING_TOTAL_HELP, MoneyField, StrictSerializer
from apps.fulfilment.models import Fulfilment
from apps.orders.models import Order, OrderLine, Payment, Refund
from apps.orders.selectors import order_payment_state

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")
MAX_LINES = 100


# ------------------------------------------------------------------------------
# answers
# ------------------------------------------------------------------------------
class AdminOrderLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit_price = MoneyField(currency_path="order.currency")
    subtotal = MoneyField(currency_path="order.currency")
    discount = MoneyField(currency_path="order.currency")
    tax = MoneyField(currency_path="order.currency")
    total = MoneyField(currency_path="order.currency")

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "product_title",
            "variant_title",
            "quantity",
            "unit_price",
            "subtotal",
            "discount",
            "tax",
            "total",
        ]


class OrderPaymentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    amount = MoneyField()
    amount_refunded = MoneyField()

    class Meta:
        model = Payment
        fields = ["id", "attempt", "gateway", "status", "amount", "amount_refunded", "currency", "created_at"]


class OrderRefundSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    amount = MoneyField()

    class Meta:
        model = Refund
        fields = ["id", "amount", "currency", "reason", "status", "created_at"]


class FulfilmentSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    units = serializers.SerializerMethodField()

    class Meta:
        model = Fulfilment
        fields = [
            "id",
            "status",
            "carrier",
            "carrier_name",
            "tracking_number",
            "tracking_url",
            "units",
            "shipped_at",
            "delivered_at",
        ]

    def get_units(self, fulfilment: Fulfilment) -> int:
        return sum(line.quantity for line in fulfilment.lines.all())


class OrderTotalsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    subtotal = MoneyField()
    discount_total = MoneyField()
    shipping_total = MoneyField(source="shipping_shown", help_text=SHIPPING_TOTAL_HELP)
    tax_total = MoneyField()
    total = MoneyField()
    gift_card_total = MoneyField()
    store_credit_total = MoneyField()
    amount_paid = MoneyField()
    amount_refunded = MoneyField()
    balance_due = MoneyField()


class AdminOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An order as the list shows it."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    payment_status = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    totals = OrderTotalsSerializer(source="*", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "payment_status",
            "origin",
            "email",
            "customer",
            "currency",
            "totals",
            "created_at",
            "placed_at",
            "paid_at",
            "cancelled_at",
        ]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["awaiting", "paid", "partially_refunded", "refunded", "balance_due"],
            allow_null=True,
            help_text="null: the order was cancelled before it took any money.",
        )
    )
    def get_payment_status(self, order: Order) -> str | None:
        return order_payment_state(order) or None

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "string", "format": "uuid"}, "full_name": {"type": "string"}},
        }
    )
    def get_customer(self, order: Order) -> dict[str, str] | None:
        customer = order.customer
        return None if customer is None else {"id": str(customer.uuid), "full_name": customer.full_name}


class AdminOrderDetailSerializer(AdminOrderSerializer):
    """One order with its lines, addresses, payments, refunds and shipments."""

    lines = AdminOrderLineSerializer(many=True, read_only=True)
    payments = OrderPaymentSerializer(many=True, read_only=True)
    refunds = OrderRefundSerializer(many=True, read_only=True)
    fulfilments = FulfilmentSummarySerializer(many=True, read_only=True)

    class Meta(AdminOrderSerializer.Meta):
        fields = [
            *AdminOrderSerializer.Meta.fields,
            "prices_include_tax",
            "shipping_method_name",
            "shipping_address",
            "billing_address",
            "cancel_reason",
            "lines",
            "payments",
            "refunds",
            "fulfilments",
        ]


# ------------------------------------------------------------------------------
# requests
# ------------------------------------------------------------------------------
class OrderAddressInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=150)
    company = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, min_length=2)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class OrderLineInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, max_value=settings.CART_LINE_MAX_QUANTITY)
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal(0),
        required=False,
        help_text=_("The agreed unit price; the variant's price when left out."),
    )


class ShippingInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal(0))


class OrderCreateSerializer(StrictSerializer):
    """A draft order: pending, unpaid, nothing reserved until the customer pays its link."""

    email = serializers.EmailField()
    customer_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    lines = OrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    shipping_address = OrderAddressInputSerializer(required=False)
    billing_address = OrderAddressInputSerializer(required=False)
    shipping = ShippingInputSerializer(required=False)


class OrderCancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    restock = serializers.BooleanField(required=False, default=True)
