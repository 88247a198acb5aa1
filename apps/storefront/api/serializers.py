"""Request and response shapes of the storefront API. Responses are built from what the
storefront's selectors return (annotated products, `CartSummary`, `CheckoutReview`, orders);
requests only carry values, which the checkout, customers and orders services check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import SHIPPING_TOTAL_HELP, StrictQuerySerializer, StrictSerializer, money_str
from apps.catalog.models import Collection, Product, ProductImage
from apps.catalog.storefront_selectors import ProductSort
from apps.core.html import html_sanitize
from apps.orders.models import Order

# ------------------------------------------------------------------------------
# query strings
# ------------------------------------------------------------------------------
ORDERINGS = {
    "newest": ProductSort.NEWEST,
    "price": ProductSort.PRICE_ASC,
    "-price": ProductSort.PRICE_DESC,
    "title": ProductSort.TITLE,
    "relevance": ProductSort.RELEVANCE,
    "featured": ProductSort.FEATURED,
}
SEARCH_MAX_LENGTH = 200
MAX_OPTION_FILTERS = 30


class ListingQuery(StrictQuerySerializer):
    """The query string of a product listing (`page` and `per_page` are the paginator's)."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH, trim_whitespace=True
    )
    ordering = serializers.ChoiceField(choices=sorted(ORDERINGS), required=False)
    price_min = serializers.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=3
    )
    price_max = serializers.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=3
    )
    in_stock = serializers.BooleanField(required=False, default=False)
    option = serializers.ListField(
        child=serializers.RegexField(r"^[^:\x00-\x1f]{1,100}:[^\x00-\x1f]{1,100}$"),
        required=False,
        max_length=MAX_OPTION_FILTERS,
        default=list,
    )
    category = serializers.CharField(required=False, max_length=1000)

    def validate_q(self, value: str) -> str:
        if any(ord(ch) < 32 for ch in value):
            raise serializers.ValidationError(_("The search contains control characters."))
        return " ".join(value.split())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("price_min"), attrs.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"price_max": [_("The highest price must not be below the lowest.")]}
            )
        return attrs


# ------------------------------------------------------------------------------
# store
# ------------------------------------------------------------------------------
class PolicySerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()


class LanguagesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    default = serializers.CharField()
    enabled = serializers.ListField(child=serializers.CharField())


class StoreSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    currency = serializers.CharField()
    country = serializers.CharField()
    prices_include_tax = serializers.BooleanField()
    languages = LanguagesSerializer()
    contact_email = serializers.CharField()
    policies = PolicySerializer(many=True)
    payment_methods = serializers.ListField(child=serializers.DictField())


# ------------------------------------------------------------------------------
# products
# ------------------------------------------------------------------------------
class ImageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["url", "thumbnail_url", "alt", "width", "height"]

    def get_url(self, image: ProductImage) -> str:
        return image.image.url if image.image else ""

    def get_thumbnail_url(self, image: ProductImage) -> str:
        return image.thumbnail.url if image.thumbnail else (image.image.url if image.image else "")


class PriceRangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    min = serializers.CharField(allow_null=True)
    max = serializers.CharField(allow_null=True)
    compare_at = serializers.CharField(allow_null=True)
    currency = serializers.CharField()


def _price_range(product: Product) -> dict[str, Any]:
    currency = getattr(product, "currency", None) or ""
    return {
        "min": money_str(getattr(product, "price_min", None), currency),
        "max": money_str(getattr(product, "price_max", None), currency),
        "compare_at": money_str(getattr(product, "compare_at_price", None), currency),
        "currency": currency,
    }


class ProductCardSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A product in a listing (annotated by `apps.catalog.storefront_selectors.with_card_data`)."""

    price = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    images = ImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["handle", "title", "vendor", "product_type", "tags", "price", "available", "images"]

    @extend_schema_field(PriceRangeSerializer)
    def get_price(self, product: Product) -> dict[str, Any]:
        return _price_range(product)

    def get_available(self, product: Product) -> bool:
        return (getattr(product, "stock_available", 0) or 0) > 0


class OptionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())


class VariantSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sku = serializers.CharField(help_text=_("The variant's id in carts (`variant`)."))
    title = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    price = serializers.CharField()
    compare_at_price = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    available = serializers.BooleanField()
    quantity_available = serializers.IntegerField()
    stock_state = serializers.ChoiceField(choices=["in", "low", "out"])
    delivery = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    path = serializers.CharField()
    name = serializers.CharField()


class ProductDetailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    handle = serializers.CharField()
    title = serializers.CharField()
    description_html = serializers.CharField()
    vendor = serializers.CharField()
    product_type = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    seo_title = serializers.CharField()
    seo_description = serializers.CharField()
    category = CategoryRefSerializer(allow_null=True)
    price = PriceRangeSerializer()
    available = serializers.BooleanField()
    options = OptionSerializer(many=True)
    variants = VariantSerializer(many=True)
    images = ImageSerializer(many=True)


class FacetValueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(help_text=_("Pass as `option=<key>` to filter."))
    label = serializers.CharField()
    count = serializers.IntegerField()


class CollectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    description_html = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["handle", "title", "description_html"]

    def get_description_html(self, collection: Collection) -> str:
        return html_sanitize(collection.description) if collection.description else ""


# ------------------------------------------------------------------------------
# carts
# ------------------------------------------------------------------------------
class CartLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid")
    variant = serializers.CharField(source="sku")
    product_handle = serializers.CharField()
    product_title = serializers.CharField()
    variant_title = serializers.CharField()
    image_url = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.SerializerMethodField()
    line_total = serializers.SerializerMethodField()
    price_changed = serializers.BooleanField()
    available = serializers.IntegerField()
    problem = serializers.CharField(help_text=_("Empty when the line can be bought as it is; else a code."))

    def get_unit_price(self, line: Any) -> str | None:
        return money_str(line.unit_price, self.context.get("currency", ""))

    def get_line_total(self, line: Any) -> str | None:
        return money_str(line.line_total, self.context.get("currency", ""))


class CartSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.UUIDField()
    status = serializers.CharField()
    currency = serializers.CharField()
    item_count = serializers.IntegerField()
    subtotal = serializers.CharField()
    lines = CartLineSerializer(many=True)


class CartCreateInput(StrictSerializer):
    """No fields: a new cart is empty (add lines with `POST carts/<token>/lines`)."""


class LineAddInput(StrictSerializer):
    variant = serializers.CharField(max_length=100, help_text=_("The variant's SKU."))
    quantity = serializers.IntegerField(required=False, default=1)


class LineQuantityInput(StrictSerializer):
    quantity = serializers.IntegerField()


# ------------------------------------------------------------------------------
# checkout
# ------------------------------------------------------------------------------
class AddressFields(StrictSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    company = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    line1 = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    line2 = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    city = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    region = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    postal_code = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    country = serializers.CharField(max_length=2, allow_blank=True, required=False, default="")
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")


class CheckoutInput(StrictSerializer):
    """Any of the checkout's steps; the ones given are applied in order (contact, addresses,
    shipping method) and a refusal leaves the checkout as it was."""

    email = serializers.CharField(required=False, max_length=300)
    shipping_address = AddressFields(required=False)
    billing_address = AddressFields(required=False, allow_null=True)
    shipping_rate = serializers.IntegerField(
        required=False, help_text=_("One of `shipping_options[].id` for the address given.")
    )


class ShippingOptionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    amount = serializers.CharField()
    delivery_days_min = serializers.IntegerField(allow_null=True)
    delivery_days_max = serializers.IntegerField(allow_null=True)
    pickup = serializers.BooleanField()


class TotalsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    currency = serializers.CharField()
    subtotal = serializers.CharField()
    discount_total = serializers.CharField()
    shipping_total = serializers.CharField(help_text=SHIPPING_TOTAL_HELP)
    tax_total = serializers.CharField()
    total = serializers.CharField()
    gift_card_total = serializers.CharField()
    store_credit_applied = serializers.CharField()
    amount_due = serializers.CharField()


class ProblemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    message = serializers.CharField()


class CheckoutLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    variant = serializers.CharField()
    product_title = serializers.CharField()
    variant_title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField()
    problem = serializers.CharField()


class CheckoutSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.UUIDField()
    status = serializers.CharField()
    cart = serializers.UUIDField()
    email = serializers.CharField()
    shipping_address = serializers.DictField()
    billing_address = serializers.DictField()
    billing_same_as_shipping = serializers.BooleanField()
    shipping_rate = serializers.IntegerField(allow_null=True)
    shipping_options = ShippingOptionSerializer(many=True)
    lines = CheckoutLineSerializer(many=True)
    totals = TotalsSerializer()
    problems = ProblemSerializer(many=True)
    payment_methods = serializers.ListField(child=serializers.DictField())
    ready_to_pay = serializers.BooleanField()
    order = serializers.DictField(allow_null=True)


class PayInput(StrictSerializer):
    payment_method = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("One of `payment_methods[].code`."),
    )
    card_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The dummy gateway's test card."),
    )
    expected_total = serializers.DecimalField(
        max_digits=14, decimal_places=3, help_text=_("The total the shopper confirmed (`totals.total`).")
    )
    expected_amount_due = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)


class PaymentResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField()
    method = serializers.CharField()
    action_url = serializers.CharField()
    error = serializers.CharField()


class PlacedOrderSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.CharField()
    currency = serializers.CharField()


class PaySerializer(serializers.Serializer):  # type: ignore[type-arg]
    order = PlacedOrderSerializer()
    payment = PaymentResultSerializer(allow_null=True)


# ------------------------------------------------------------------------------
# the shopper's account
# ------------------------------------------------------------------------------
class MeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MeInput(StrictSerializer):
    full_name = serializers.CharField(max_length=1000, allow_blank=True, trim_whitespace=False)


class OrderLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product_title = serializers.CharField()
    variant_title = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField()
    total = serializers.CharField()


class OrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status = serializers.CharField()
    subtotal = serializers.SerializerMethodField()
    shipping_total = serializers.SerializerMethodField(help_text=SHIPPING_TOTAL_HELP)
    tax_total = serializers.SerializerMethodField()
    discount_total = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "email",
            "currency",
            "subtotal",
            "discount_total",
            "shipping_total",
            "tax_total",
            "total",
            "shipping_method_name",
            "shipping_address",
            "placed_at",
            "paid_at",
            "lines",
        ]

    def get_subtotal(self, order: Order) -> str | None:
        return money_str(order.subtotal, order.currency)

    def get_discount_total(self, order: Order) -> str | None:
        return money_str(order.discount_total, order.currency)

    def get_shipping_total(self, order: Order) -> str | None:
        return money_str(order.shipping_shown, order.currency)

    def get_tax_total(self, order: Order) -> str | None:
        return money_str(order.tax_total, order.currency)

    def get_total(self, order: Order) -> str | None:
        return money_str(order.total, order.currency)

    @extend_schema_field(OrderLineSerializer(many=True))
    def get_lines(self, order: Order) -> list[dict[str, Any]]:
        return [
            {
                "product_title": line.product_title,
                "variant_title": line.variant_title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money_str(line.unit_price, order.currency),
                "total": money_str(line.total, order.currency),
            }
            for line in order.lines.all()
        ]


class TokenInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()
    token_type = serializers.CharField()
    expires_at = serializers.DateTimeField()
