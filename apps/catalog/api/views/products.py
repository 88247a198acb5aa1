"""Products with their variants in the body, and one variant at a time (addressed by SKU under
its product), through the catalog services the product editor uses."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.answer_cache import answer_cached, answer_keep
from apps.api.views import ListCreateApiView, RetrieveApiView
from apps.catalog import normalise, services
from apps.catalog.api import reading
from apps.catalog.api import serializers as s
from apps.catalog.api.views.common import SCOPES_NOTE, TAG_PRODUCTS, actor_of, product_or_404
from apps.catalog.changes import DATA_VERSION_KEY, catalog_data_version
from apps.catalog.models import Category, Product, ProductImage, ProductOptionValue, ProductVariant
from apps.catalog.services import variants as variant_services

PRODUCT_EXAMPLE = {
    "title": "Linen shirt",
    "status": "active",
    "vendor": "Acme",
    "tags": ["summer", "linen"],
    "category": "shirts",
    "variants": [
        {"sku": "LS-S", "price": "39.00", "options": [{"name": "Size", "value": "S"}]},
        {
            "sku": "LS-M",
            "price": "39.00",
            "compare_at_price": "49.00",
            "options": [{"name": "Size", "value": "M"}],
        },
    ],
}


# ------------------------------------------------------------------------------
# products
# ------------------------------------------------------------------------------
class ProductFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Product.Status.choices)
    vendor = django_filters.CharFilter()
    product_type = django_filters.CharFilter()
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="contains", method="_tag")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Product
        fields = ["status", "vendor", "product_type"]

    def _tag(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.filter(tags__contains=[value])


def _variants() -> QuerySet[ProductVariant]:
    values = ProductOptionValue.objects.select_related("option")
    return ProductVariant.objects.prefetch_related(Prefetch("option_values", queryset=values)).order_by(
        "position", "id"
    )


def _products() -> QuerySet[Product]:
    return Product.objects.select_related("category").prefetch_related(
        Prefetch("variants", queryset=_variants()),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
    )


def _product_answer(product: Product) -> dict[str, Any] | None:
    return reading.product_data(product_id=product.pk)


def _category_id(handle: str | None) -> int | None:
    if not handle:
        return None
    category_id = Category.objects.filter(slug=handle).values_list("pk", flat=True).first()
    if category_id is None:
        raise exceptions.ValidationError(
            {"category": [_("No category has the handle “%(handle)s”.") % {"handle": handle}]}
        )
    return category_id


def _variant_input(data: dict[str, Any]) -> services.VariantInput:
    return services.VariantInput(
        sku=data["sku"],
        price=data["price"],
        compare_at_price=data.get("compare_at_price"),
        cost=data.get("cost"),
        weight_grams=data.get("weight_grams"),
        barcode=data.get("barcode", ""),
        options=tuple((option["name"], option["value"]) for option in data.get("options", [])),
    )


def _product_input(data: dict[str, Any], base: services.ProductInput | None = None) -> services.ProductInput:
    """The service's input from a validated body, over `base` (the product as it is) on a change."""
    values: dict[str, Any] = {}
    for name in (
        "title",
        "handle",
        "description",
        "status",
        "product_type",
        "vendor",
        "seo_title",
        "seo_description",
    ):
        if name in data:
            values[name] = data[name]
    if "tags" in data:
        values["tags"] = tuple(data["tags"])
    if "category" in data:
        values["category_id"] = _category_id(data["category"])
    if "variants" in data:
        values["variants"] = tuple(_variant_input(variant) for variant in data["variants"])
    return services.ProductInput(**values) if base is None else replace(base, **values)


@extend_schema_view(
    get=extend_schema(
        tags=TAG_PRODUCTS,
        summary="List products",
        description="The store's products, newest first, with their variants and images." + SCOPES_NOTE,
    ),
    post=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Create a product",
        description=(
            "A product with at least one variant. Amounts are strings in the store's currency, "
            "rounded to its minor units. Refused with `plan_limit_reached` (params.limit "
            "`max_products_per_store`) when the merchant's plan holds no more products." + SCOPES_NOTE
        ),
        request=s.ProductInputSerializer,
        responses={201: s.ProductSerializer},
        examples=[OpenApiExample("A shirt in two sizes", value=PRODUCT_EXAMPLE, request_only=True)],
    ),
)
class ProductList(ListCreateApiView):
    """Products of the store, newest first, with their variants and images."""

    api_resource = "products"
    serializer_class = s.ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "updated_at", "title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Product]:
        return _products()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Answered from the answer kept for the same query while the catalog's data has not
        # changed (apps.api.answer_cache); else built: `ProductSerializer` describes the
        # answer, `reading` builds it from flat rows (fast).
        kept, version = answer_cached(request, version_key=DATA_VERSION_KEY)
        if kept is not None:
            return kept
        version = version or catalog_data_version()
        products = self.filter_queryset(Product.objects.all())
        page = self.paginate_queryset(products.values_list("pk", flat=True))
        response = self.get_paginated_response(reading.products_data(product_ids=page or []))
        return answer_keep(request, response, version=version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.ProductInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = services.product_create(data=_product_input(body.validated_data), actor=actor_of(request))
        return Response(_product_answer(product), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=TAG_PRODUCTS, summary="Get a product", description=SCOPES_NOTE.strip()),
    patch=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Change a product",
        description=(
            "Only the fields sent change. `variants`, when sent, is the product's whole new list "
            "of variants, matched by SKU: a variant left out is deleted with its stock. To change "
            "one variant use `/products/{id}/variants/{sku}`." + SCOPES_NOTE
        ),
        request=s.ProductUpdateInputSerializer,
        responses={200: s.ProductSerializer},
        examples=[
            OpenApiExample("Publish", value={"status": "active", "tags": ["summer"]}, request_only=True)
        ],
    ),
    delete=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Delete a product",
        description="Deletes the product with its variants, their stock, its images and its place in collections."
        + SCOPES_NOTE,
        responses={204: None},
    ),
)
class ProductDetail(RetrieveApiView):
    api_resource = "products"
    serializer_class = s.ProductSerializer
    lookup_field = "uuid"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Product]:
        return _products()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product_id = Product.objects.filter(uuid=kwargs["uuid"]).values_list("pk", flat=True).first()
        found = None if product_id is None else reading.product_data(product_id=product_id)
        if found is None:
            raise Http404
        return Response(found)

    def patch(self, request: Request, uuid: UUID) -> Response:
        product = get_object_or_404(Product, uuid=uuid)
        body = s.ProductUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = _product_input(body.validated_data, base=variant_services.product_input_of(product))
        services.product_update(product=product, data=data, actor=actor_of(request))
        return Response(_product_answer(product))

    def delete(self, request: Request, uuid: UUID) -> Response:
        product = get_object_or_404(Product, uuid=uuid)
        services.product_delete(product=product, actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------------------
# variants
# ------------------------------------------------------------------------------
def _variant_answer(variant: ProductVariant) -> dict[str, Any]:
    return s.VariantSerializer(_variants().get(pk=variant.pk)).data  # type: ignore[no-any-return]


VARIANT_EXAMPLE = {
    "sku": "LS-L",
    "price": "39.00",
    "compare_at_price": "49.00",
    "barcode": "4006381333931",
    "weight_grams": 220,
    "options": [{"name": "Size", "value": "L"}],
}


@extend_schema_view(
    get=extend_schema(
        tags=TAG_PRODUCTS, summary="List a product's variants", description=SCOPES_NOTE.strip()
    ),
    post=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Add a variant",
        description="A new variant at the end of the product's variants; its SKU must be new to the store."
        + SCOPES_NOTE,
        request=s.VariantInputSerializer,
        responses={201: s.VariantSerializer},
        examples=[OpenApiExample("Size L", value=VARIANT_EXAMPLE, request_only=True)],
    ),
)
class VariantList(ListCreateApiView):
    api_resource = "products"
    serializer_class = s.VariantSerializer
    ordering_fields = ["position", "sku", "price", "created_at"]
    ordering = ["position", "id"]

    def get_queryset(self) -> QuerySet[ProductVariant]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no product
            return ProductVariant.objects.none()
        return _variants().filter(product=product_or_404(self.kwargs["uuid"]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = product_or_404(kwargs["uuid"])
        body = s.VariantInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        variant = variant_services.variant_add(
            product=product, data=_variant_input(body.validated_data), actor=actor_of(request)
        )
        return Response(_variant_answer(variant), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=TAG_PRODUCTS, summary="Get a variant", description=SCOPES_NOTE.strip()),
    patch=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Change a variant",
        description=(
            "Only the fields sent change; `options`, when sent, replaces the variant's option "
            "values. A new `sku` renames the variant: it keeps its stock and history." + SCOPES_NOTE
        ),
        request=s.VariantUpdateInputSerializer,
        responses={200: s.VariantSerializer},
        examples=[
            OpenApiExample("New price", value={"price": "35.00", "compare_at_price": None}, request_only=True)
        ],
    ),
    delete=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Delete a variant",
        description="Deletes the variant with its stock; a product keeps at least one variant (`no_variants`)."
        + SCOPES_NOTE,
        responses={204: None},
    ),
)
class VariantDetail(RetrieveApiView):
    api_resource = "products"
    serializer_class = s.VariantSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> ProductVariant:
        sku = self.kwargs["sku"]
        if "\x00" in sku or len(sku) > normalise.SKU_MAX:  # no such SKU can exist (PostgreSQL refuses NUL)
            raise Http404
        return get_object_or_404(_variants(), product__uuid=self.kwargs["uuid"], sku=sku)

    def patch(self, request: Request, uuid: UUID, sku: str) -> Response:
        variant = self.get_object()
        body = s.VariantUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        current = variant_services.variant_input_of(variant)
        merged = {
            "sku": current.sku,
            "price": current.price,
            "compare_at_price": current.compare_at_price,
            "cost": current.cost,
            "weight_grams": current.weight_grams,
            "barcode": current.barcode,
            "options": [{"name": name, "value": value} for name, value in current.options],
            **body.validated_data,
        }
        changed = variant_services.variant_change(
            product=variant.product, variant=variant, data=_variant_input(merged), actor=actor_of(request)
        )
        return Response(_variant_answer(changed))

    def delete(self, request: Request, uuid: UUID, sku: str) -> Response:
        variant = self.get_object()
        variant_services.variant_remove(product=variant.product, variant=variant, actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
