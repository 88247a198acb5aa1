"""Supplier purchase orders in the admin API: the list and one order, and the actions the
dashboard's buttons take (approve, retry, cancel, mark placed), each through its service. A
refusal because of the order's status is `po_not_allowed` (400) naming the status."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.views import ApiView, ListApiView, RetrieveApiView
from apps.purchasing import selectors
from apps.purchasing.api.serializers import MarkPlacedSerializer, PurchaseOrderSerializer
from apps.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderShipment,
    PurchaseOrderStatus,
)
from apps.purchasing.services import (
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_mark_placed,
    purchase_order_retry,
)

REFERENCE_RE = re.compile(r"^PO-([1-9][0-9]{0,17})$")


def _actor(request: Request) -> Any:
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


def _purchase_orders() -> QuerySet[PurchaseOrder]:
    """With order, supplier, lines and shipments: four queries for any number of rows."""
    return selectors.purchase_order_list().prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("id")),
        Prefetch("shipments", queryset=PurchaseOrderShipment.objects.order_by("id")),
    )


def _pk(reference: str) -> int:
    match = REFERENCE_RE.match(reference)
    if match is None:
        raise Http404
    return int(match.group(1))


def _purchase_order_or_404(reference: str) -> PurchaseOrder:
    return get_object_or_404(_purchase_orders(), pk=_pk(reference))


class PurchaseOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrderStatus.choices)
    supplier = django_filters.CharFilter(
        field_name="supplier__code", max_length=60, help_text="Supplier code."
    )
    order = django_filters.NumberFilter(
        field_name="order__number", min_value=1, max_value=2_147_483_647, help_text="Order number."
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "order"]


class PurchaseOrderList(ListApiView):
    """Supplier purchase orders, newest first."""

    api_resource = "purchase_orders"
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    ordering_fields = ["created_at", "updated_at", "placed_at", "next_attempt_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        return _purchase_orders()

    @extend_schema(
        summary="List purchase orders",
        description="What the store ordered from dropshipping suppliers to fill its orders, with "
        "lines, costs, the supplier's order id and tracking. Filter by `status`, `supplier` (code) "
        "and `order` (number).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PurchaseOrderDetail(RetrieveApiView):
    api_resource = "purchase_orders"
    serializer_class = PurchaseOrderSerializer

    def get_object(self) -> PurchaseOrder:
        return _purchase_order_or_404(self.kwargs["reference"])

    @extend_schema(summary="Get a purchase order", description="The object, as the list answers it.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class _PurchaseOrderAction(ApiView):
    api_resource = "purchase_orders"
    action: Callable[..., PurchaseOrder]

    def _run(self, request: Request, reference: str, **extra: Any) -> Response:
        po = _purchase_order_or_404(reference)
        type(self).action(purchase_order_id=po.pk, actor=_actor(request), **extra)
        return Response(PurchaseOrderSerializer(_purchase_order_or_404(reference)).data)


class PurchaseOrderApprove(_PurchaseOrderAction):
    action = purchase_order_approve

    @extend_schema(
        summary="Approve a purchase order",
        description="Sends an order held for approval to its supplier (or makes it ready to place "
        "by hand, for a supplier without an ordering API). Only from `awaiting_approval`.",
        request=None,
        responses={200: PurchaseOrderSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        return self._run(request, reference)


class PurchaseOrderRetry(_PurchaseOrderAction):
    action = purchase_order_retry

    @extend_schema(
        summary="Retry a purchase order",
        description="Sends an order that needs attention again, with a fresh set of attempts. Only "
        "from `needs_attention`.",
        request=None,
        responses={200: PurchaseOrderSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        return self._run(request, reference)


class PurchaseOrderCancel(_PurchaseOrderAction):
    action = purchase_order_cancel

    @extend_schema(
        summary="Cancel a purchase order",
        description="Calls off an order not shipped yet; one already placed must be cancelled "
        "with the supplier too.",
        request=None,
        responses={200: PurchaseOrderSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        return self._run(request, reference)


class PurchaseOrderMarkPlaced(_PurchaseOrderAction):
    action = purchase_order_mark_placed

    @extend_schema(
        summary="Mark a purchase order placed",
        description="Records that the order was placed with the supplier by hand, with the "
        "supplier's order id and optionally the real costs.",
        request=MarkPlacedSerializer,
        responses={200: PurchaseOrderSerializer},
        examples=[
            OpenApiExample(
                "Placed by phone", value={"supplier_order_id": "SO-88121", "cost": "12.40"}, request_only=True
            )
        ],
    )
    def post(self, request: Request, reference: str) -> Response:
        body = MarkPlacedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._run(request, reference, **body.validated_data)
