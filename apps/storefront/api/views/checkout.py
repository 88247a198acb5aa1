"""Checkout and payment for headless shops: read a checkout (lines, totals, shipping options,
what must be fixed before paying), change its steps, and pay, which places the order through
`apps.orders.placement.order_place` exactly as the storefront's "place order" button does.

Who may use a checkout: whoever holds its token, for a guest's checkout; the signed-in shopper
alone, for a checkout that belongs to an account. Paying honours `Idempotency-Key` (a retry
with the same key answers the first response), and placement itself answers a repeated
completion with the order it already made, so a retry never charges twice."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.conventions import error_body
from apps.api.idempotency import idempotent
from apps.api.serializers import money_str
from apps.api.views import ApiView
from apps.checkout import services as checkout_services
from apps.checkout.errors import CheckoutInputInvalid
from apps.checkout.models import Checkout
from apps.checkout.selectors import checkout_get, checkout_review
from apps.fraud.services import checkout_risk_context_record
from apps.orders.placement import order_place
from apps.orders.selectors import order_for_checkout
from apps.payments.gateways import GatewayCode, gateways_available
from apps.storefront.api.serializers import (
    CheckoutInput,
    CheckoutSerializer,
    PayInput,
    PaySerializer,
)
from apps.storefront.api.views.common import field_errors, request_shopper
from apps.storefront.views.checkout_forms import address_input

CHECKOUT_REASON = (
    "a checkout's token is its credential: a guest's checkout is read, changed and paid by whoever holds "
    "its unguessable token; a checkout of a signed-in shopper by that shopper only"
)
PAYMENT_FAILED = "payment_failed"


def checkout_for_request(request: Request, token: uuid.UUID) -> Checkout:
    """The checkout `token` names if this caller may use it; 404 otherwise."""
    checkout = checkout_get(token=token)
    if checkout is None:
        raise exceptions.NotFound(_("This checkout does not exist."))
    if checkout.user_id is not None:
        shopper = request_shopper(request)
        if shopper is None or shopper.pk != checkout.user_id:
            raise exceptions.NotFound(_("This checkout does not exist."))
    return checkout


def checkout_apply(checkout: Checkout, values: dict[str, Any]) -> None:
    """Apply the steps given in `values` (CheckoutInput), in the checkout's order. Call inside a
    transaction: a refused step should undo the ones before it."""
    if "email" in values:
        checkout_services.checkout_contact_set(checkout=checkout, email=values["email"])
    if "shipping_address" in values:
        billing = values.get("billing_address")
        checkout_services.checkout_address_set(
            checkout=checkout,
            shipping_address=address_input(values["shipping_address"]),
            billing_address=address_input(billing) if billing else None,
        )
    elif values.get("billing_address"):
        raise exceptions.ValidationError(
            {"shipping_address": [_("Give the shipping address together with the billing address.")]}
        )
    if "shipping_rate" in values:
        checkout_services.checkout_shipping_set(checkout=checkout, rate_id=values["shipping_rate"])


def checkout_data(checkout: Checkout) -> dict[str, Any]:
    review = checkout_review(checkout=checkout)
    totals = review.totals
    currency = review.currency
    gateways = gateways_available()
    order = order_for_checkout(checkout_token=checkout.token)
    return {
        "token": checkout.token,
        "status": checkout.status,
        "cart": checkout.cart.token,
        "email": checkout.email,
        "shipping_address": checkout.shipping_address or {},
        "billing_address": checkout.billing_address or {},
        "billing_same_as_shipping": checkout.billing_same_as_shipping,
        "shipping_rate": review.shipping.rate_id if review.shipping is not None else None,
        "shipping_options": [
            {
                "id": option.rate_id,
                "name": option.name,
                "amount": money_str(option.amount, currency),
                "delivery_days_min": option.delivery_days[0] if option.delivery_days else None,
                "delivery_days_max": option.delivery_days[1] if option.delivery_days else None,
                "pickup": option.is_pickup,
            }
            for option in review.shipping_options
        ],
        "lines": [
            {
                "id": line.key,
                "variant": line.sku,
                "product_title": line.product_title,
                "variant_title": line.variant_title,
                "quantity": line.quantity,
                "unit_price": money_str(line.unit_price, currency),
                "problem": line.problem,
            }
            for line in review.lines
        ],
        "totals": {
            "currency": currency,
            "subtotal": money_str(totals.subtotal, currency),
            "discount_total": money_str(totals.discount_total, currency),
            "shipping_total": money_str(totals.shipping_shown, currency),
            "tax_total": money_str(totals.tax_total, currency),
            "total": money_str(totals.total, currency),
            "gift_card_total": money_str(totals.gift_card_total, currency),
            "store_credit_applied": money_str(totals.store_credit_applied, currency),
            "amount_due": money_str(totals.amount_due, currency),
        },
        "problems": [{"code": str(problem.code), "message": str(problem)} for problem in review.problems],
        "payment_methods": [{"code": g.code, "name": g.name, "kind": g.kind} for g in gateways],
        "ready_to_pay": not review.problems and (bool(gateways) or totals.amount_due <= 0),
        "order": {"number": order.number, "status": order.status} if order is not None else None,
    }


class CheckoutDetailApi(ApiView):
    api_public_reason = CHECKOUT_REASON

    @extend_schema(
        summary="A checkout",
        description="Lines, totals, the shipping options for its address, what must be fixed before paying "
        "(`problems`), the payment methods, and the order once one was placed.",
        responses=CheckoutSerializer,
    )
    def get(self, request: Request, token: uuid.UUID) -> Response:
        return Response(CheckoutSerializer(checkout_data(checkout_for_request(request, token))).data)

    @extend_schema(
        summary="Change a checkout",
        description="Any of `email`, `shipping_address` (with `billing_address`), `shipping_rate`; a refused "
        "value is a 400 naming the field and nothing is changed.",
        request=CheckoutInput,
        responses=CheckoutSerializer,
        examples=[OpenApiExample("Choose a shipping method", value={"shipping_rate": 12}, request_only=True)],
    )
    def patch(self, request: Request, token: uuid.UUID) -> Response:
        checkout = checkout_for_request(request, token)
        data = CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                checkout_apply(checkout, data.validated_data)
        except CheckoutInputInvalid as error:
            raise field_errors(error) from None
        return Response(CheckoutSerializer(checkout_data(checkout)).data)


class CheckoutPayApi(ApiView):
    api_public_reason = CHECKOUT_REASON

    @extend_schema(
        summary="Pay and place the order",
        description=(
            "Places the order and starts its payment with `payment_method` (one of the checkout's "
            "`payment_methods`; locally `dummy`, whose `card_number` 4242 4242 4242 4242 succeeds, "
            "4000 0000 0000 0002 is declined and 4000 0025 0000 3155 asks for authentication at "
            "`payment.action_url`). `expected_total` is the total the shopper confirmed: a different total "
            "now is refused (`total_changed`), as are sold-out lines or changed prices; nothing is charged "
            "then. A decline answers 402 `payment_failed`; pay again (with a new Idempotency-Key). "
            "Send an `Idempotency-Key`: a retry with it answers the first response."
        ),
        request=PayInput,
        responses={201: PaySerializer},
        examples=[
            OpenApiExample(
                "Pay with the test card",
                value={
                    "payment_method": "dummy",
                    "card_number": "4242 4242 4242 4242",
                    "expected_total": "28.80",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Paid",
                value={
                    "order": {"number": 1001, "status": "paid", "total": "28.80", "currency": "EUR"},
                    "payment": {"status": "succeeded", "method": "dummy", "action_url": "", "error": ""},
                },
                response_only=True,
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, token: uuid.UUID) -> Response:
        checkout = checkout_for_request(request, token)
        data = PayInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        method = values["payment_method"]
        due = values.get("expected_amount_due")
        checkout_risk_context_record(request._request, checkout)  # the shopper's address, for fraud checks
        placement = order_place(
            checkout=checkout,
            gateway_code=method,
            payment_data={"card_number": values["card_number"]} if method == GatewayCode.DUMMY else {},
            expected_total=str(values["expected_total"]),
            expected_amount_due=str(due) if due is not None else None,
            return_url=request.build_absolute_uri(
                reverse("storefront:checkout_return", kwargs={"token": checkout.token})
            ),
        )
        order, payment = placement.order, placement.payment
        if placement.failed:
            message = (payment.error_message if payment is not None else "") or _(
                "The payment did not go through."
            )
            body = error_body(PAYMENT_FAILED, message)
            body["error"]["params"] = {"order": order.number, "status": str(order.status)}
            return Response(body, status=status.HTTP_402_PAYMENT_REQUIRED)
        result = {
            "order": {
                "number": order.number,
                "status": order.status,
                "total": money_str(order.total, order.currency),
                "currency": order.currency,
            },
            "payment": {
                "status": payment.status,
                "method": payment.gateway,
                "action_url": payment.action_url,
                "error": payment.error_message,
            }
            if payment is not None
            else None,
        }
        return Response(PaySerializer(result).data, status=status.HTTP_201_CREATED)
