"""Refund endpoints under an order: the refunds given, and giving one through
`order_refund_issue` (the dashboard's refund page's service)."""

from __future__ import annotations

import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.idempotency import HEADER, idempotent
from apps.api.views import ListApiView
from apps.orders.models import Order
from apps.returns.api.serializers import RefundCreateSerializer, RefundRequestSerializer
from apps.returns.models import RefundRequest, RefundRequestLine
from apps.returns.services import RefundInput, RefundLineInput, order_refund_issue

if TYPE_CHECKING:
    from apps.accounts.models import User

# Names the refund token of an Idempotency-Key (uuid5 of the key's id and the header), so even
# a retry after the idempotency record expired meets the refund already made.
REFUND_TOKEN_NAMESPACE = uuid_module.UUID("7d6f0c1e-8a53-4a51-9a39-0f6f2b3c6a11")


def _actor(request: Request) -> User | None:
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


def _token(request: Request) -> uuid_module.UUID:
    header = (request.META.get(HEADER) or "").strip()
    key = getattr(request.user, "key", None)
    if not header or key is None:
        return uuid_module.uuid4()
    return uuid_module.uuid5(REFUND_TOKEN_NAMESPACE, f"{key.pk}:{header}")


def refunds_with_lines() -> QuerySet[RefundRequest]:
    return RefundRequest.objects.select_related("order").prefetch_related(
        Prefetch("lines", queryset=RefundRequestLine.objects.select_related("order_line").order_by("id"))
    )


CREATE_EXAMPLE = {"lines": [{"line_id": 412, "quantity": 1}], "restock": True, "reason": "Returned"}


class OrderRefundList(ListApiView):
    """The refunds given for the order, newest first."""

    api_resource = "refunds"
    serializer_class = RefundRequestSerializer
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def _order(self) -> Order:
        return get_object_or_404(Order, uuid=self.kwargs["uuid"])

    def get_queryset(self) -> QuerySet[RefundRequest]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return RefundRequest.objects.none()
        return refunds_with_lines().filter(order=self._order())

    @extend_schema(summary="List an order's refunds", description="Scope `refunds:read`.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Refund an order",
        description=(
            "Give money back for chosen lines (`line_id` as the order's detail lists them, and units), "
            "the shipping charge (`shipping`), or a free `amount`, through the payment methods that "
            "took the money, as store credit (`store_credit`, orders of a shopper account) or back "
            "onto the gift cards that paid for the order (`gift_card`, up to what each paid). With "
            "lines or shipping, `amount` may only be lower than what they cost. More than can still be "
            "refunded is a 400 naming `amount`. `restock` puts the chosen units back in stock. Send an "
            "`Idempotency-Key` header to make retries safe. Scope `refunds:write`."
        ),
        request=RefundCreateSerializer,
        responses={201: RefundRequestSerializer},
        examples=[
            OpenApiExample("Refund a returned unit", value=CREATE_EXAMPLE, request_only=True),
            OpenApiExample(
                "Goodwill amount", value={"amount": "5.00", "reason": "Late delivery"}, request_only=True
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, uuid: Any) -> Response:
        order = self._order()
        serializer = RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refund = order_refund_issue(
            order_id=order.pk,
            data=RefundInput(
                token=_token(request),
                lines=[
                    RefundLineInput(line_id=item["line_id"], quantity=item["quantity"])
                    for item in data.get("lines", [])
                ],
                shipping=data["shipping"],
                amount=data.get("amount"),
                reason=data["reason"],
                restock=data["restock"],
                store_credit=data["store_credit"],
                gift_card=data["gift_card"],
            ),
            actor=_actor(request),
        )
        fresh = refunds_with_lines().get(pk=refund.pk)
        code = status.HTTP_200_OK if refund.replayed else status.HTTP_201_CREATED
        return Response(RefundRequestSerializer(fresh).data, status=code)
