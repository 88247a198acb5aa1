"""Orders endpoints: each view validates, calls one orders service or reads, and serialises."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.idempotency import idempotent
from apps.api.views import ApiView, ListApiView, RetrieveApiView
from apps.catalog.models import ProductVariant
from apps.customers.errors import CustomerInputInvalid
from apps.customers.services import AddressInput, address_clean
from apps.fulfilment.models import Fulfilment, FulfilmentLine
from apps.orders.api.serializers import (
    ADDRESS_FIELDS,
    AdminOrderDetailSerializer,
    AdminOrderSerializer,
    OrderCancelSerializer,
    OrderCreateSerializer,
)
from apps.orders.drafts import DraftLine, draft_order_create
from apps.orders.enums import OrderOrigin, OrderStatus
from apps.orders.models import Order, Payment
from apps.orders.selectors import OrderFilters, PaymentState, order_queryset
from apps.orders.services import order_cancel

if TYPE_CHECKING:
    from apps.accounts.models import User


def api_actor(request: Request) -> User | None:
    """The member behind the request's API key (timelines and events name them as the actor)."""
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_status = django_filters.ChoiceFilter(
        choices=[(value, value) for value in PaymentState.values], method="_payment_status"
    )
    origin = django_filters.ChoiceFilter(choices=OrderOrigin.choices)
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "origin", "email"]

    def _payment_status(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        # The dashboard list's payment filter, as one subquery.
        matching = order_queryset(filters=OrderFilters(payment=value)).order_by().values("pk")
        return queryset.filter(pk__in=matching)


def orders_listed() -> QuerySet[Order]:
    return Order.objects.select_related("customer")


def orders_detailed() -> QuerySet[Order]:
    return orders_listed().prefetch_related(
        "lines",
        Prefetch("payments", queryset=Payment.objects.order_by("attempt")),
        "refunds",
        Prefetch(
            "fulfilments",
            queryset=Fulfilment.objects.order_by("shipped_at", "id").prefetch_related(
                Prefetch("lines", queryset=FulfilmentLine.objects.order_by("id"))
            ),
        ),
    )


def _order_detail(order: Order) -> dict[str, Any]:
    return AdminOrderDetailSerializer(orders_detailed().get(pk=order.pk)).data  # type: ignore[return-value]


def _address(data: dict[str, str] | None, field: str, errors: dict[str, list[str]]) -> dict[str, str] | None:
    """The address as `address_clean` stores it; its problems are added to `errors`."""
    if not data:
        return None
    try:
        values = {name: str(data.get(name) or "") for name in ADDRESS_FIELDS}
        return address_clean(
            AddressInput(
                name=values["name"],
                company=values["company"],
                line1=values["line1"],
                line2=values["line2"],
                city=values["city"],
                region=values["region"],
                postal_code=values["postal_code"],
                country=values["country"],
                phone=values["phone"],
            )
        )
    except CustomerInputInvalid as invalid:
        errors.update({f"{field}.{error.field}": [error.message] for error in invalid.errors})
        return None


def _draft_lines(lines: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[DraftLine]:
    """The lines by variant id; SKUs this store does not have are added to `errors`."""
    skus = [line["sku"] for line in lines]
    found = dict(ProductVariant.objects.filter(sku__in=skus).values_list("sku", "pk"))
    for index, sku in enumerate(skus):
        if sku not in found:
            errors[f"lines.{index}.sku"] = [_("No product variant has the SKU %(sku)s.") % {"sku": sku}]
    return [
        DraftLine(variant_id=found[line["sku"]], quantity=line["quantity"], unit_price=line.get("unit_price"))
        for line in lines
        if line["sku"] in found
    ]


ORDER_CREATE_EXAMPLE = {
    "email": "erika@example.com",
    "customer_name": "Erika Mustermann",
    "lines": [{"sku": "TEE-BLUE-M", "quantity": 2}],
    "shipping_address": {
        "name": "Erika Mustermann",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    },
    "shipping": {"name": "Standard", "amount": "4.90"},
}


class OrderList(ListApiView):
    """The store's orders, newest first."""

    api_resource = "orders"
    serializer_class = AdminOrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "number", "total"]
    ordering = ["-created_at", "-number"]

    def get_queryset(self) -> QuerySet[Order]:
        return orders_listed()

    @extend_schema(
        summary="List orders",
        description=(
            "The store's orders, newest first. Filter by `status`, `payment_status`, `origin`, `email` "
            "and a created range (`created_after`, `created_before`, ISO 8601). Scope `orders:read`."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a draft order",
        description=(
            "A pending, unpaid draft order for a customer email, priced at the variants' prices "
            "(or the `unit_price` given) with the tax of the shipping address. No stock is held and "
            "no payment is taken until the customer pays through the order's payment link. Send an "
            "`Idempotency-Key` header to make retries safe. Scope `orders:write`."
        ),
        request=OrderCreateSerializer,
        responses={201: AdminOrderDetailSerializer},
        examples=[OpenApiExample("Draft order", value=ORDER_CREATE_EXAMPLE, request_only=True)],
    )
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors: dict[str, list[str]] = {}
        lines = _draft_lines(data["lines"], errors)
        shipping_address = _address(data.get("shipping_address"), "shipping_address", errors)
        billing_address = _address(data.get("billing_address"), "billing_address", errors)
        if errors:
            raise exceptions.ValidationError(errors)
        shipping = data.get("shipping") or {}
        order = draft_order_create(
            email=data["email"],
            lines=lines,
            actor=api_actor(request),
            customer_name=data.get("customer_name", ""),
            shipping_address=shipping_address,
            billing_address=billing_address,
            shipping_name=shipping.get("name", ""),
            shipping_amount=shipping.get("amount", 0),
        )
        return Response(_order_detail(order), status=status.HTTP_201_CREATED)


class OrderDetail(RetrieveApiView):
    api_resource = "orders"
    serializer_class = AdminOrderDetailSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[Order]:
        return orders_detailed()

    @extend_schema(
        summary="Get an order",
        description="One order with its lines, totals, addresses, payments, refunds and shipments. Scope `orders:read`.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrderCancel(ApiView):
    api_resource = "orders"

    @extend_schema(
        summary="Cancel an order",
        description=(
            "Cancel an order that has not shipped: payments under way are cancelled, money taken is "
            "refunded through the payment methods it came from, held stock is released and sold stock "
            "put back (unless `restock` is false). Scope `orders:write`."
        ),
        request=OrderCancelSerializer,
        responses={200: AdminOrderDetailSerializer},
        examples=[
            OpenApiExample("Cancel", value={"reason": "Customer asked", "restock": True}, request_only=True)
        ],
    )
    @idempotent
    def post(self, request: Request, uuid: Any) -> Response:
        order = get_object_or_404(Order, uuid=uuid)
        serializer = OrderCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_cancel(
            order=order,
            actor=api_actor(request),
            reason=serializer.validated_data["reason"],
            restock=serializer.validated_data["restock"],
        )
        return Response(_order_detail(order))
