"""What the catalog's admin endpoints answer (`*Serializer`) and accept (`*Input`).

Inputs check shapes, types and lengths (a 400 naming the field); the catalog services decide
everything else (SKU uniqueness, money rounding, option combinations, plan limits)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import MoneyField, StrictSerializer
from apps.catalog import normalise
from apps.catalog.models import Collection, Product, ProductImage, ProductVariant
from apps.catalog.services import RULE_FIELDS, RULE_OPS

MONEY = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal("0"), "coerce_to_string": True}
MAX_OPTIONS = 3
MAX_VARIANTS = 250
MAX_TAGS = 250
MAX_RULES = 5
MAX_COLLECTION_PRODUCTS = 1000


# ------------------------------------------------------------------------------
# answers
# ------------------------------------------------------------------------------
class OptionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=normalise.OPTION_NAME_MAX)
    value = serializers.CharField(max_length=normalise.OPTION_VALUE_MAX)


class VariantSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    price = MoneyField(help_text=_('At the currency\'s precision: "39.00" EUR, "3900" JPY.'))
    compare_at_price = MoneyField(allow_null=True)
    cost = MoneyField(allow_null=True)
    options = serializers.SerializerMethodField()

    class Meta:
        model = ProductVariant
        fields = [
            "sku",
            "title",
            "price",
            "compare_at_price",
            "cost",
            "currency",
            "weight_grams",
            "barcode",
            "position",
            "options",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OptionSerializer(many=True))
    def get_options(self, variant: ProductVariant) -> list[dict[str, str]]:
        values = sorted(
            variant.option_values.all(), key=lambda value: (value.option.position, value.option_id)
        )
        return [{"name": value.option.name, "value": value.value} for value in values]


class ImageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail_url", "alt", "width", "height", "position", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image: ProductImage) -> str:
        return image.image.url if image.image else ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, image: ProductImage) -> str:
        return image.thumbnail.url if image.thumbnail else ""


class CategoryRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    handle = serializers.CharField()
    name = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)
    category = serializers.SerializerMethodField()
    variants = VariantSerializer(many=True, read_only=True)
    images = ImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "title",
            "handle",
            "status",
            "description",
            "vendor",
            "product_type",
            "tags",
            "seo_title",
            "seo_description",
            "category",
            "variants",
            "images",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(CategoryRefSerializer(allow_null=True))
    def get_category(self, product: Product) -> Any:
        category = product.category
        return None if category is None else {"handle": category.slug, "name": category.name}


class RuleSerializer(StrictSerializer):
    field = serializers.ChoiceField(choices=sorted(RULE_FIELDS))
    op = serializers.ChoiceField(choices=sorted(RULE_OPS))
    value = serializers.CharField(max_length=255)


class CollectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    product_count = serializers.IntegerField(read_only=True)
    rules = RuleSerializer(many=True, read_only=True)

    class Meta:
        model = Collection
        fields = [
            "handle",
            "title",
            "description",
            "kind",
            "match",
            "rules",
            "product_count",
            "created_at",
            "updated_at",
        ]


class CollectionDetailSerializer(CollectionSerializer):
    product_ids = serializers.SerializerMethodField(
        help_text=_("The products' ids, in the collection's order.")
    )

    class Meta(CollectionSerializer.Meta):
        fields = [*CollectionSerializer.Meta.fields, "product_ids"]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_product_ids(self, collection: Collection) -> list[str]:
        return [str(value) for value in self.context.get("product_ids", [])]


# ------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------
class OptionInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=normalise.OPTION_NAME_MAX)
    value = serializers.CharField(max_length=normalise.OPTION_VALUE_MAX)


class VariantInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=normalise.SKU_MAX)
    price = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    compare_at_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)  # type: ignore[arg-type]
    cost = serializers.DecimalField(required=False, allow_null=True, **MONEY)  # type: ignore[arg-type]
    weight_grams = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=normalise.INTEGER_LIMIT
    )
    barcode = serializers.CharField(required=False, allow_blank=True, max_length=normalise.BARCODE_MAX)
    options = OptionInputSerializer(many=True, required=False, max_length=MAX_OPTIONS)

    def validate_options(self, options: list[dict[str, str]]) -> list[dict[str, str]]:
        names = [option["name"] for option in options]
        if len(set(names)) != len(names):
            raise serializers.ValidationError(_("Each option may appear once."))
        return options


class VariantUpdateInputSerializer(VariantInputSerializer):
    """Every field optional: what is left out stays as it is."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class ProductInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=normalise.TITLE_MAX)
    handle = serializers.CharField(required=False, allow_blank=True, max_length=normalise.HANDLE_MAX)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000, trim_whitespace=False
    )
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    product_type = serializers.CharField(
        required=False, allow_blank=True, max_length=normalise.PRODUCT_TYPE_MAX
    )
    vendor = serializers.CharField(required=False, allow_blank=True, max_length=normalise.VENDOR_MAX)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=normalise.TAG_MAX), required=False, max_length=MAX_TAGS
    )
    seo_title = serializers.CharField(required=False, allow_blank=True, max_length=normalise.SEO_TITLE_MAX)
    seo_description = serializers.CharField(
        required=False, allow_blank=True, max_length=normalise.SEO_DESCRIPTION_MAX
    )
    category = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=normalise.CATEGORY_SLUG_MAX,
        help_text=_("A category's handle."),
    )
    variants = VariantInputSerializer(many=True, allow_empty=False, max_length=MAX_VARIANTS)


class ProductUpdateInputSerializer(ProductInputSerializer):
    """Every field optional: what is left out stays as it is; `variants`, when given, is the
    product's whole new list of variants (matched by SKU; a variant left out is deleted)."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class ImageUploadInputSerializer(StrictSerializer):
    image = serializers.FileField(help_text=_("A JPEG, PNG, WebP or GIF file."))
    alt = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ImageUpdateInputSerializer(StrictSerializer):
    alt = serializers.CharField(required=False, allow_blank=True, max_length=255)
    position = serializers.IntegerField(
        required=False, min_value=0, max_value=100_000, help_text=_("0 is the first image.")
    )


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class CollectionInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000, trim_whitespace=False
    )
    kind = serializers.ChoiceField(choices=Collection.Kind.choices, required=False)
    match = serializers.ChoiceField(choices=Collection.Match.choices, required=False)
    rules = RuleSerializer(many=True, required=False, max_length=MAX_RULES)
    product_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=MAX_COLLECTION_PRODUCTS,
        help_text=_("A manual collection's products, in order (the whole list)."),
    )

    def validate_product_ids(self, values: list[Any]) -> list[Any]:
        return _unique(values)


class CollectionUpdateInputSerializer(CollectionInputSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class CollectionProductsInputSerializer(StrictSerializer):
    product_ids = serializers.ListField(
        child=serializers.UUIDField(), allow_empty=False, max_length=MAX_COLLECTION_PRODUCTS
    )

    def validate_product_ids(self, values: list[Any]) -> list[Any]:
        return _unique(values)
