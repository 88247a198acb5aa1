"""Shipment endpoints under an order: each view validates, calls one fulfilment service or
reads, and serialises."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.idempotency import idempotent
from apps.api.views import ApiView, ListApiView
from apps.fulfilment.api.serializers import (
    FulfilmentCreateSerializer,
    FulfilmentDeliveredSerializer,
    FulfilmentSerializer,
)
from apps.fulfilment.errors import FulfilmentError
from apps.fulfilment.models import Fulfilment, FulfilmentLine, TrackingEvent
from apps.fulfilment.services import fulfilment_create, fulfilment_mark_delivered
from apps.orders.models import Order, OrderLine

if TYPE_CHECKING:
    from apps.accounts.models import User


def _actor(request: Request) -> User | None:
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


def fulfilments_with_details() -> QuerySet[Fulfilment]:
    return Fulfilment.objects.prefetch_related(
        Prefetch("lines", queryset=FulfilmentLine.objects.select_related("order_line").order_by("id")),
        Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
    )


def _answer(fulfilment: Fulfilment, code: int = status.HTTP_200_OK) -> Response:
    fresh = fulfilments_with_details().get(pk=fulfilment.pk)
    return Response(FulfilmentSerializer(fresh).data, status=code)


CREATE_EXAMPLE = {
    "lines": [{"line_id": 412, "quantity": 1}],
    "carrier": "dhl",
    "tracking_number": "00340434161094042557",
}


class OrderFulfilmentList(ListApiView):
    """The order's shipments, oldest first, with their lines and tracking scans."""

    api_resource = "orders"
    serializer_class = FulfilmentSerializer
    ordering_fields = ["shipped_at"]
    ordering = ["shipped_at", "id"]

    def _order(self) -> Order:
        return get_object_or_404(Order, uuid=self.kwargs["uuid"])

    def get_queryset(self) -> QuerySet[Fulfilment]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Fulfilment.objects.none()
        return fulfilments_with_details().filter(order=self._order())

    @extend_schema(summary="List an order's shipments", description="Scope `orders:read`.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ship units of an order",
        description=(
            "Record a shipment of some units of the order's lines (`line_id` as the order's detail "
            "lists them) with a carrier code (`dhl`, `ups`, ... or any other with `tracking_url`) "
            "and tracking number. The order must be paid; at most the units left to ship. Send an "
            "`Idempotency-Key` header to make retries safe. Scope `orders:write`."
        ),
        request=FulfilmentCreateSerializer,
        responses={201: FulfilmentSerializer},
        examples=[OpenApiExample("Ship one unit", value=CREATE_EXAMPLE, request_only=True)],
    )
    @idempotent
    def post(self, request: Request, uuid: Any) -> Response:
        order = self._order()
        serializer = FulfilmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        wanted = [(item["line_id"], item["quantity"]) for item in data["lines"]]
        lines = OrderLine.objects.in_bulk([line_id for line_id, _qty in wanted])
        unknown = {
            f"lines.{index}.line_id": [
                _("Order #%(number)s has no line %(line)s.") % {"number": order.number, "line": line_id}
            ]
            for index, (line_id, _qty) in enumerate(wanted)
            if line_id not in lines or lines[line_id].order_id != order.pk
        }
        if unknown:
            raise exceptions.ValidationError(unknown)
        try:
            fulfilment = fulfilment_create(
                order=order,
                lines=[(lines[line_id], quantity) for line_id, quantity in wanted],
                carrier=data["carrier"],
                carrier_name=data["carrier_name"],
                tracking_number=data["tracking_number"],
                tracking_url=data["tracking_url"],
                actor=_actor(request),
            )
        except FulfilmentError as error:
            if error.field and error.field.startswith("line_"):
                # The service names the form's per-line field; the API names the body's.
                line_id = int(error.field.removeprefix("line_"))
                index = next(i for i, (wanted_id, _qty) in enumerate(wanted) if wanted_id == line_id)
                error.field = f"lines.{index}.quantity"
            raise
        return _answer(fulfilment, status.HTTP_201_CREATED)


class FulfilmentDelivered(ApiView):
    api_resource = "orders"

    @extend_schema(
        summary="Mark a shipment delivered",
        description=(
            "The parcel arrived (at `delivered_at`, now when left out); marking it again changes "
            "nothing. A cancelled shipment is refused. Scope `orders:write`."
        ),
        request=FulfilmentDeliveredSerializer,
        responses={200: FulfilmentSerializer},
    )
    def post(self, request: Request, uuid: Any, fulfilment_uuid: Any) -> Response:
        fulfilment = get_object_or_404(Fulfilment, uuid=fulfilment_uuid, order__uuid=uuid)
        serializer = FulfilmentDeliveredSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fulfilment_mark_delivered(
            fulfilment=fulfilment,
            actor=_actor(request),
            delivered_at=serializer.validated_data.get("delivered_at"),
        )
        return _answer(fulfilment)
