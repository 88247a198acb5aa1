"""The inventory's admin endpoints: locations, stock levels, and stock adjustments made through
`apps.inventory.services.stock_adjust` (the dashboard's path), which refuses to take on hand
below what is reserved, so stock never goes negative."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.access import KeyPrincipal
from apps.api.filters import yes_no_filter
from apps.api.idempotency import idempotent
from apps.api.views import ApiView, ListApiView
from apps.catalog.models import ProductVariant
from apps.inventory import selectors
from apps.inventory.api import serializers as s
from apps.inventory.models import Location, StockLevel
from apps.inventory.services import stock_adjust

TAGS = ["inventory"]
SCOPES_NOTE = " Scopes: `inventory:read` to read, `inventory:write` to adjust."


class LocationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)
    is_active = yes_no_filter()

    class Meta:
        model = Location
        fields = ["kind", "is_active"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List locations",
        description="Warehouses and supplier locations by priority (lower first), with their totals."
        + SCOPES_NOTE,
    )
)
class LocationList(ListApiView):
    api_resource = "inventory"
    serializer_class = s.LocationSerializer
    filterset_class = LocationFilter
    ordering_fields = ["priority", "name", "code"]
    ordering = ["priority", "name", "id"]

    def get_queryset(self) -> QuerySet[Location]:
        return selectors.location_list()


class StockLevelFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(
        field_name="variant__sku", help_text=gettext_lazy("A variant's SKU (exact).")
    )
    location = django_filters.CharFilter(
        field_name="location__code", help_text=gettext_lazy("A location's code.")
    )
    product_id = django_filters.UUIDFilter(
        field_name="variant__product__uuid", help_text=gettext_lazy("A product's id.")
    )

    class Meta:
        model = StockLevel
        fields = ["sku", "location", "product_id"]


def _stock_levels() -> QuerySet[StockLevel]:
    return StockLevel.objects.select_related("variant__product", "location")


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List stock levels",
        description=(
            "What each location holds of each variant: on hand, reserved for orders, available. "
            "A variant without a level at a location has none there." + SCOPES_NOTE
        ),
    )
)
class StockLevelList(ListApiView):
    api_resource = "inventory"
    serializer_class = s.StockLevelSerializer
    filterset_class = StockLevelFilter
    ordering_fields = ["updated_at", "on_hand", "reserved"]
    ordering = ["variant__sku", "location__priority", "location__name", "id"]

    def get_queryset(self) -> QuerySet[StockLevel]:
        return _stock_levels()


class StockAdjustmentCreate(ApiView):
    api_resource = "inventory"

    @extend_schema(
        tags=TAGS,
        summary="Adjust stock",
        description=(
            "Adds (`delta` > 0) or removes units of a variant at a location and records the "
            "change with its reason. Removing more than is available (on hand minus reserved) "
            "is refused with `insufficient_stock`. Send an `Idempotency-Key` header to retry "
            "safely: a replay answers the first result without adjusting twice." + SCOPES_NOTE
        ),
        request=s.StockAdjustmentInputSerializer,
        responses={201: s.StockLevelSerializer},
        examples=[
            OpenApiExample(
                "Goods received",
                value={
                    "sku": "LS-M",
                    "location": "main",
                    "delta": 24,
                    "reason": "Delivery 4711",
                    "kind": "received",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Damaged",
                value={"sku": "LS-M", "location": "main", "delta": -2, "reason": "Damaged in storage"},
                request_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.StockAdjustmentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        variant = ProductVariant.objects.filter(sku=data["sku"]).first()
        if variant is None:
            raise exceptions.ValidationError(
                {"sku": [_("No variant has the SKU “%(sku)s”.") % {"sku": data["sku"]}]}
            )
        location = Location.objects.filter(code=data["location"]).first()
        if location is None:
            raise exceptions.ValidationError(
                {"location": [_("No location has the code “%(code)s”.") % {"code": data["location"]}]}
            )
        principal = request.user
        stock = stock_adjust(
            variant=variant,
            location=location,
            delta=data["delta"],
            reason=data["reason"],
            kind=data["kind"],
            actor=principal.key.created_by if isinstance(principal, KeyPrincipal) else None,
        )
        answer = _stock_levels().get(pk=stock.pk)
        return Response(s.StockLevelSerializer(answer).data, status=status.HTTP_201_CREATED)
