"""Carts for headless shops: open one, read it, add, change and remove lines, and start its
checkout. The same services as the storefront's cart page (`apps.checkout.services`): a
quantity is a whole number from 1 to CART_LINE_MAX_QUANTITY, never more than is in stock, and
a refused change names its field and changes nothing.

Who may use a cart: whoever holds its token, for a guest's cart (the token is the credential,
as the session is for the storefront's pages); the signed-in shopper alone, for their own cart.
Any other token (another shopper's, another store's, made up) is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.conventions import Envelope
from apps.api.serializers import money_str
from apps.api.views import ApiView
from apps.catalog.models import ProductVariant
from apps.checkout import services as checkout_services
from apps.checkout.errors import CheckoutInputInvalid, VariantUnknown
from apps.checkout.models import Cart, CartLine
from apps.checkout.selectors import CartSummary, cart_find, cart_line_get, cart_summary
from apps.storefront.api.serializers import (
    CartCreateInput,
    CartLineSerializer,
    CartSerializer,
    CheckoutInput,
    CheckoutSerializer,
    LineAddInput,
    LineQuantityInput,
)
from apps.storefront.api.views.checkout import checkout_apply, checkout_data
from apps.storefront.api.views.common import field_errors, request_shopper

CART_REASON = (
    "a cart's token is its credential: a guest's cart is read and changed by whoever holds its "
    "unguessable token (as the storefront's session does); a signed-in shopper's cart by that shopper only"
)

CART_EXAMPLE = {
    "token": "3f6c1b9e-8a52-4f0e-9a43-0c2f1d7a9b10",
    "status": "open",
    "currency": "EUR",
    "item_count": 2,
    "subtotal": "40.00",
    "lines": [
        {
            "id": "5b0a3f0e-51f4-4a4e-8f57-0f5a5f0d2c11",
            "variant": "SHIRT-M",
            "product_handle": "linen-shirt",
            "product_title": "Linen shirt",
            "variant_title": "M",
            "image_url": "",
            "quantity": 2,
            "unit_price": "20.00",
            "line_total": "40.00",
            "price_changed": False,
            "available": 10,
            "problem": "",
        }
    ],
}


def cart_for_request(request: Request, token: uuid.UUID) -> Cart:
    """The open cart `token` names if this caller may use it (a guest's cart, or the signed-in
    shopper's own); 404 otherwise."""
    cart = cart_find(user=None, token=token)
    shopper = request_shopper(request)
    if cart is None and shopper is not None:
        own = cart_find(user=shopper)
        cart = own if own is not None and own.token == token else None
    if cart is None:
        raise exceptions.NotFound(_("This cart does not exist."))
    return cart


def cart_data(summary: CartSummary) -> dict[str, Any]:
    cart = summary.cart
    assert cart is not None
    return {
        "token": cart.token,
        "status": cart.status,
        "currency": summary.currency,
        "item_count": summary.item_count,
        "subtotal": money_str(summary.subtotal, summary.currency),
        "lines": summary.lines,
    }


def _cart_response(cart: Cart, *, status_code: int = status.HTTP_200_OK) -> Response:
    summary = cart_summary(cart=cart)
    data = CartSerializer(cart_data(summary), context={"currency": summary.currency}).data
    return Response(data, status=status_code)


def _variant(sku: str) -> ProductVariant:
    variant = ProductVariant.objects.select_related("product").filter(sku=sku.strip()).first()
    if variant is None:
        raise VariantUnknown(
            _("That product option does not exist (any more). Choose another one."),
            field="variant",
            params={"variant": sku[:40]},
        )
    return variant


def _line(cart: Cart, line_id: uuid.UUID) -> CartLine:
    line = cart_line_get(cart=cart, line_uuid=line_id)
    if line is None:
        raise exceptions.NotFound(_("That item is not in this cart."))
    return line


class CartCreateApi(ApiView):
    api_public_reason = CART_REASON

    @extend_schema(
        summary="Open a cart",
        description=(
            "A new empty cart for a guest, or the signed-in shopper's own open cart. Keep `token`: it is the "
            "guest cart's credential."
        ),
        request=CartCreateInput,
        responses={201: CartSerializer},
        examples=[
            OpenApiExample(
                "A new cart", value={**CART_EXAMPLE, "lines": [], "item_count": 0}, response_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        CartCreateInput(data=request.data).is_valid(raise_exception=True)
        cart = checkout_services.cart_get_or_create(user=request_shopper(request), token=None)
        return _cart_response(cart, status_code=status.HTTP_201_CREATED)


class CartDetailApi(ApiView):
    api_public_reason = CART_REASON

    @extend_schema(
        summary="A cart",
        description="Lines with prices and stock now, the subtotal and the number of items.",
        responses=CartSerializer,
        examples=[OpenApiExample("A cart", value=CART_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, token: uuid.UUID) -> Response:
        return _cart_response(cart_for_request(request, token))


class CartLinesApi(ApiView):
    api_public_reason = CART_REASON

    @extend_schema(summary="A cart's lines", responses=CartLineSerializer(many=True))
    def get(self, request: Request, token: uuid.UUID) -> Response:
        summary = cart_summary(cart=cart_for_request(request, token))
        lines = CartLineSerializer(summary.lines, many=True, context={"currency": summary.currency}).data
        return Response(
            Envelope(
                data=lines,
                error=None,
                meta={
                    "total": len(lines),
                    "page": 1,
                    "per_page": max(len(lines), 1),
                    "pages": 1 if lines else 0,
                },
            )
        )

    @extend_schema(
        summary="Add to a cart",
        description=(
            "Add `quantity` (default 1) of the variant `variant` (its SKU); added to its line when the cart "
            "has it. Refused (400 naming the field) for a quantity below 1, above the store's limit or above "
            "what is in stock, an unknown variant or a product not for sale. Answers the cart."
        ),
        request=LineAddInput,
        responses={201: CartSerializer},
        examples=[
            OpenApiExample("Two shirts", value={"variant": "SHIRT-M", "quantity": 2}, request_only=True)
        ],
    )
    def post(self, request: Request, token: uuid.UUID) -> Response:
        cart = cart_for_request(request, token)
        data = LineAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        quantity = checkout_services.cart_quantity_parse(value=data.validated_data["quantity"])
        checkout_services.cart_line_add(
            cart=cart, variant=_variant(data.validated_data["variant"]), quantity=quantity
        )
        return _cart_response(cart, status_code=status.HTTP_201_CREATED)


class CartLineApi(ApiView):
    api_public_reason = CART_REASON

    @extend_schema(
        summary="Change a line's quantity",
        description="A whole number from 1 (remove a line with DELETE), at most what is in stock. Answers the cart.",
        request=LineQuantityInput,
        responses=CartSerializer,
        examples=[OpenApiExample("Three", value={"quantity": 3}, request_only=True)],
    )
    def patch(self, request: Request, token: uuid.UUID, line: uuid.UUID) -> Response:
        cart = cart_for_request(request, token)
        found = _line(cart, line)
        data = LineQuantityInput(data=request.data)
        data.is_valid(raise_exception=True)
        quantity = checkout_services.cart_quantity_parse(value=data.validated_data["quantity"])
        checkout_services.cart_line_set_quantity(cart=cart, line=found, quantity=quantity)
        return _cart_response(cart)

    @extend_schema(summary="Remove a line", request=None, responses={200: CartSerializer})
    def delete(self, request: Request, token: uuid.UUID, line: uuid.UUID) -> Response:
        cart = cart_for_request(request, token)
        checkout_services.cart_line_remove(cart=cart, line=_line(cart, line))
        return _cart_response(cart)


class CartCheckoutApi(ApiView):
    api_public_reason = CART_REASON

    @extend_schema(
        summary="Check out a cart",
        description=(
            "Opens (or finds) the cart's checkout and applies what is given: `email`, `shipping_address` "
            "(and `billing_address`, else the shipping one), `shipping_rate` (one of `shipping_options[].id`, "
            "which the answer lists for the address). A refused value is a 400 naming the field and nothing "
            "is changed. Keep the checkout's `token` to pay."
        ),
        request=CheckoutInput,
        responses={201: CheckoutSerializer},
        examples=[
            OpenApiExample(
                "Contact and address",
                value={
                    "email": "erika@example.com",
                    "shipping_address": {
                        "name": "Erika Mustermann",
                        "line1": "Unter den Linden 1",
                        "city": "Berlin",
                        "postal_code": "10117",
                        "country": "DE",
                    },
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, token: uuid.UUID) -> Response:
        cart = cart_for_request(request, token)
        data = CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                checkout = checkout_services.checkout_start(
                    cart=cart, user=request_shopper(request), language=get_language() or ""
                )
                checkout_apply(checkout, data.validated_data)
        except CheckoutInputInvalid as error:
            raise field_errors(error) from None
        return Response(CheckoutSerializer(checkout_data(checkout)).data, status=status.HTTP_201_CREATED)
