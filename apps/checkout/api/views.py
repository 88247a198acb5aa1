"""Discounts and gift cards in the admin API. Each view checks the body's shape, calls the
service the dashboard's page calls, and answers the object as it now is; a refusal by the
service (`CheckoutSetupError`, `BalanceError`) becomes a 400 naming its field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any
from uuid import UUID

import django_filters
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.filters import yes_no_filter
from apps.api.idempotency import idempotent
from apps.api.views import ApiView, ListApiView, RetrieveApiView
from apps.catalog.models import Collection, Product
from apps.checkout import admin_selectors as selectors
from apps.checkout import services
from apps.checkout.admin_selectors import DiscountStatus, GiftCardStatus
from apps.checkout.admin_services import (
    DiscountSaveInput,
    discount_deactivate,
    discount_delete,
    discount_save,
    gift_card_disable,
)
from apps.checkout.api.serializers import (
    DiscountSerializer,
    DiscountWriteSerializer,
    GiftCardAdjustSerializer,
    GiftCardDetailSerializer,
    GiftCardIssuedSerializer,
    GiftCardIssueSerializer,
    GiftCardSerializer,
    GiftCardTransactionSerializer,
)
from apps.checkout.models import Discount, DiscountKind, GiftCard, GiftCardTransaction
from apps.stores.selectors import store_currency_get

DETAIL_TRANSACTIONS = 50


def _actor(request: Request) -> Any:
    """The member who created the calling key: what the dashboard records as the actor."""
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
class DiscountFilter(django_filters.FilterSet):
    active = yes_no_filter()
    automatic = yes_no_filter()
    kind = django_filters.ChoiceFilter(choices=DiscountKind.choices)
    status = django_filters.ChoiceFilter(choices=DiscountStatus.choices)
    code = django_filters.CharFilter(method="_code", max_length=100, help_text="Exact code, any case.")

    class Meta:
        model = Discount
        fields = ["active", "automatic", "kind", "status", "code"]

    def _code(self, queryset: QuerySet[Discount], name: str, value: str) -> QuerySet[Discount]:
        return queryset.alias(code_ci=Lower("code")).filter(code_ci="".join(value.split()).lower())


def _discounts() -> QuerySet[Discount]:
    """Discounts with their status and restriction: three queries for any number of rows."""
    return selectors.discount_list().prefetch_related(
        Prefetch("products", queryset=Product.objects.only("id", "uuid").order_by("id")),
        Prefetch("collections", queryset=Collection.objects.only("id", "handle").order_by("id")),
    )


def _product_ids(uuids: Iterable[UUID]) -> list[int]:
    wanted = list(dict.fromkeys(uuids))
    found = dict(Product.objects.filter(uuid__in=wanted).values_list("uuid", "id"))
    missing = [str(value) for value in wanted if value not in found]
    if missing:
        raise exceptions.ValidationError(
            {"products": [_("No product with the id %(ids)s.") % {"ids": ", ".join(missing[:10])}]}
        )
    return [found[value] for value in wanted]


def _collection_ids(handles: Iterable[str]) -> list[int]:
    wanted = list(dict.fromkeys(handles))
    found = dict(Collection.objects.filter(handle__in=wanted).values_list("handle", "id"))
    missing = [value for value in wanted if value not in found]
    if missing:
        raise exceptions.ValidationError(
            {
                "collections": [
                    _("No collection with the handle %(handles)s.") % {"handles": ", ".join(missing[:10])}
                ]
            }
        )
    return [found[value] for value in wanted]


def _save_input(base: DiscountSaveInput, changes: dict[str, Any]) -> DiscountSaveInput:
    """`base` with the body's fields applied (products and collections named by their public ids)."""
    values = asdict(base)
    if "products" in changes:
        values["product_ids"] = _product_ids(changes.pop("products"))
    if "collections" in changes:
        values["collection_ids"] = _collection_ids(changes.pop("collections"))
    values.update(changes)
    return DiscountSaveInput(**values)


def _current_input(discount: Discount) -> DiscountSaveInput:
    return DiscountSaveInput(
        name=discount.name,
        kind=discount.kind,
        value=discount.value,
        code=discount.code,
        automatic=discount.automatic,
        buy_quantity=discount.buy_quantity,
        get_quantity=discount.get_quantity,
        get_percent=discount.get_percent,
        product_ids=[product.pk for product in discount.products.all()],
        collection_ids=[collection.pk for collection in discount.collections.all()],
        min_subtotal=discount.min_subtotal,
        starts_at=discount.starts_at,
        ends_at=discount.ends_at,
        usage_limit=discount.usage_limit,
        once_per_customer=discount.once_per_customer,
        combines=discount.combines,
        active=discount.active,
    )


def _discount_answer(uuid: UUID, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The discount as it now is (read again, with its status and restriction)."""
    discount = get_object_or_404(_discounts(), uuid=uuid)
    return Response(
        DiscountSerializer(discount, context={"currency": store_currency_get()}).data, status=status_code
    )


class _DiscountViewMixin:
    api_resource: str | None = "discounts"
    serializer_class = DiscountSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[Discount]:
        return _discounts()

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["currency"] = store_currency_get()
        return context


DISCOUNT_EXAMPLE = {
    "name": "Summer sale",
    "code": "SUMMER10",
    "kind": "percentage",
    "value": "10",
    "min_subtotal": "50.00",
    "ends_at": "2026-09-01T00:00:00Z",
    "once_per_customer": True,
}


class DiscountList(_DiscountViewMixin, ListApiView):
    """Discount codes and automatic discounts, newest first."""

    filterset_class = DiscountFilter
    ordering_fields = ["created_at", "updated_at", "name", "code", "times_used", "ends_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        summary="List discounts",
        description="Discount codes and automatic discounts with their status (active, scheduled, "
        "expired, exhausted, inactive).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a discount",
        description="A code shoppers type at checkout, or an automatic discount (`automatic: true`, "
        "no code). Codes are unique without regard to case and may not equal a gift card's code.",
        request=DiscountWriteSerializer,
        responses={201: DiscountSerializer},
        examples=[OpenApiExample("Ten percent off", value=DISCOUNT_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        body = DiscountWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = _save_input(
            DiscountSaveInput(name="", kind=DiscountKind.PERCENTAGE), dict(body.validated_data)
        )
        discount = discount_save(discount=Discount(), data=data)
        return _discount_answer(discount.uuid, status_code=status.HTTP_201_CREATED)


class DiscountDetail(_DiscountViewMixin, RetrieveApiView):
    @extend_schema(summary="Get a discount", description="The object, as the list answers it.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Change a discount",
        description="Only the fields sent change; `products` and `collections` replace the "
        "restriction. The usage limit cannot go below the uses so far.",
        request=DiscountWriteSerializer(partial=True),
        responses={200: DiscountSerializer},
        examples=[OpenApiExample("Extend it", value={"ends_at": "2026-10-01T00:00:00Z"}, request_only=True)],
    )
    def patch(self, request: Request, uuid: UUID) -> Response:
        discount = self.get_object()
        body = DiscountWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        discount_save(
            discount=discount, data=_save_input(_current_input(discount), dict(body.validated_data))
        )
        return _discount_answer(discount.uuid)

    @extend_schema(
        summary="Delete a discount",
        description="Only a discount no order has used; one with uses is refused "
        "(`discount_used`): deactivate it instead.",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def delete(self, request: Request, uuid: UUID) -> Response:
        discount_delete(discount=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DiscountDeactivate(ApiView):
    api_resource: str | None = "discounts"

    @extend_schema(
        summary="Deactivate a discount",
        description="Shoppers can no longer use it; its history stays. Turn it back on with "
        '`PATCH {"active": true}`.',
        request=None,
        responses={200: DiscountSerializer},
    )
    def post(self, request: Request, uuid: UUID) -> Response:
        discount_deactivate(discount=get_object_or_404(Discount, uuid=uuid))
        return _discount_answer(uuid)


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
class GiftCardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GiftCardStatus.choices)
    active = yes_no_filter()
    issued_to_email = django_filters.CharFilter(lookup_expr="iexact", max_length=254)
    last4 = django_filters.CharFilter(
        method="_last4", max_length=4, min_length=4, help_text="The code's last four characters."
    )

    class Meta:
        model = GiftCard
        fields = ["status", "active", "issued_to_email", "last4"]

    def _last4(self, queryset: QuerySet[GiftCard], name: str, value: str) -> QuerySet[GiftCard]:
        return queryset.filter(code__endswith=value.upper())


def _gift_cards() -> QuerySet[GiftCard]:
    return selectors.gift_card_list()


def _gift_card_detail(card: GiftCard, *, serializer_class: type[GiftCardDetailSerializer]) -> dict[str, Any]:
    entries = selectors.gift_card_transactions(gift_card=card).select_related("gift_card")
    context = {"transactions": list(entries[:DETAIL_TRANSACTIONS]), "transactions_total": entries.count()}
    return dict(serializer_class(card, context=context).data)


class _GiftCardViewMixin:
    api_resource: str | None = "gift_cards"
    serializer_class = GiftCardSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[GiftCard]:
        return _gift_cards()


class GiftCardList(_GiftCardViewMixin, ListApiView):
    """Gift cards, newest first; codes masked to their last four characters."""

    filterset_class = GiftCardFilter
    ordering_fields = ["created_at", "updated_at", "balance", "expires_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        summary="List gift cards",
        description="Gift cards with their balance and status; a code is shown only as its last "
        "four characters (`code_last4`).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Issue a gift card",
        description="Issues a card worth `amount` in the store's currency with `code` or a new "
        "random one. The answer holds the full `code`: the only time it is given, so keep it. "
        "Send an `Idempotency-Key` header to retry safely: a replay answers the same card.",
        request=GiftCardIssueSerializer,
        responses={201: GiftCardIssuedSerializer},
        examples=[
            OpenApiExample(
                "Fifty for a customer",
                value={
                    "amount": "50.00",
                    "issued_to_email": "ann@example.com",
                    "note": "Apology for a late parcel",
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = GiftCardIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        card = services.gift_card_issue(
            amount=data["amount"],
            currency=store_currency_get(),
            code=data.get("code") or "",
            expires_at=data.get("expires_at"),
            issued_to_email=data.get("issued_to_email") or "",
            note=data.get("note") or "",
            actor=_actor(request),
        )
        issued = get_object_or_404(_gift_cards(), pk=card.pk)
        return Response(_gift_card_detail(issued, serializer_class=GiftCardIssuedSerializer), status=201)


class GiftCardDetail(_GiftCardViewMixin, RetrieveApiView):
    @extend_schema(
        summary="Get a gift card",
        description="Its balance and its newest ledger rows (`transactions`, at most "
        f"{DETAIL_TRANSACTIONS}; the whole ledger at `/gift-cards/{{id}}/transactions`).",
        responses={200: GiftCardDetailSerializer},
    )
    def get(self, request: Request, uuid: UUID) -> Response:
        return Response(_gift_card_detail(self.get_object(), serializer_class=GiftCardDetailSerializer))


class GiftCardTransactionList(ListApiView):
    api_resource: str | None = "gift_cards"
    serializer_class = GiftCardTransactionSerializer
    filterset_class = None
    ordering_fields: list[str] = []
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[GiftCardTransaction]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return GiftCardTransaction.objects.none()
        card = get_object_or_404(GiftCard.objects.only("id"), uuid=self.kwargs["uuid"])
        return selectors.gift_card_transactions(gift_card=card).select_related("gift_card")

    @extend_schema(summary="A gift card's ledger", description="Every change of its balance, newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class GiftCardAdjust(ApiView):
    api_resource: str | None = "gift_cards"

    @extend_schema(
        summary="Top up or reduce a gift card's balance",
        description="A positive `amount` tops the card up (and raises what it can hold), a "
        "negative one takes it off; the balance cannot go below 0. Writes a ledger row. Send an "
        "`Idempotency-Key` header to retry safely.",
        request=GiftCardAdjustSerializer,
        responses={200: GiftCardDetailSerializer},
        examples=[OpenApiExample("Top up", value={"amount": "20.00", "note": "Goodwill"}, request_only=True)],
    )
    @idempotent
    def post(self, request: Request, uuid: UUID) -> Response:
        card = get_object_or_404(GiftCard, uuid=uuid)
        body = GiftCardAdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.gift_card_adjust(
            gift_card=card,
            amount=body.validated_data["amount"],
            note=body.validated_data["note"],
            actor=_actor(request),
        )
        card = get_object_or_404(_gift_cards(), pk=card.pk)
        return Response(_gift_card_detail(card, serializer_class=GiftCardDetailSerializer))


class GiftCardDisable(ApiView):
    api_resource: str | None = "gift_cards"

    @extend_schema(
        summary="Disable a gift card",
        description="It can no longer pay for anything; its balance and ledger are kept.",
        request=None,
        responses={200: GiftCardDetailSerializer},
    )
    def post(self, request: Request, uuid: UUID) -> Response:
        card = gift_card_disable(gift_card=get_object_or_404(GiftCard, uuid=uuid))
        card = get_object_or_404(_gift_cards(), pk=card.pk)
        return Response(_gift_card_detail(card, serializer_class=GiftCardDetailSerializer))
