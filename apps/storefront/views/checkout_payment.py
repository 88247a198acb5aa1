"""The checkout's last step and what follows it: "payment and review" (lines, totals, codes,
store credit, what must be fixed before paying, the payment methods), placing the order, and
coming back from a payment step that happens elsewhere (the dummy gateway's authentication
page, Stripe's Payment Element on the card page) to the return page, which finishes from the
payment's current state. The payment link of a draft order (`views.orders`) shares the outcome
handling, the return logic and the card page.

Placing is `apps.orders.placement.order_place`, which locks the checkout row and answers a
repeated completion with the order it already made: a double click or a reload of the place
request never makes a second order or charge. The page sends the total the shopper saw and the
amount due after gift cards and store credit (`expected_total`, `expected_amount_due`), which
placement compares, so a gift card spent elsewhere meanwhile is never silently charged to the
card. When gift cards and store credit cover everything the page offers no payment method and
the order is placed without one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.checkout import services as checkout_services
from apps.checkout.errors import CheckoutError, CheckoutErrorCode
from apps.checkout.models import Checkout
from apps.checkout.selectors import CheckoutReview, checkout_review, store_credit_balance
from apps.core.permissions import no_permission_required
from apps.fraud.services import checkout_risk_context_record
from apps.orders.enums import OrderStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, Payment
from apps.orders.payment_status import ENDED_UNPAID, IN_FLIGHT
from apps.orders.placement import order_place
from apps.orders.selectors import order_for_checkout
from apps.orders.settlement import Placement, live_payment
from apps.payments.errors import PaymentError
from apps.payments.gateways import (
    GatewayChoice,
    GatewayCode,
    GatewayKind,
    GatewayResult,
    PaymentStatus,
    PaymentUpdate,
    gateway_get,
    gateway_is_manual,
    gateways_available,
)
from apps.payments.selectors import stripe_element_config
from apps.payments.updates import payment_update_dispatch
from apps.storefront.views.checkout import (
    SESSION_ORDERS,
    STEP_KEYS,
    TEMPLATES,
    WHY,
    checkout_for_request,
    remember,
    render_step,
    request_shopper,
    secure,
    step_redirect,
    step_url,
)

logger = logging.getLogger(__name__)

POLL_SECONDS = 3


# ------------------------------------------------------------------------------
# payment and review
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MethodChoice:
    gateway: GatewayChoice
    selected: bool

    @property
    def code(self) -> str:
        return self.gateway.code

    @property
    def is_card_form(self) -> bool:
        return self.gateway.kind == GatewayKind.TEST_CARD

    @property
    def is_payment_element(self) -> bool:
        return self.gateway.kind == GatewayKind.PAYMENT_ELEMENT

    @property
    def is_manual(self) -> bool:
        return self.gateway.kind == GatewayKind.OFFLINE


def method_choices(gateways: Sequence[GatewayChoice], selected: str) -> list[MethodChoice]:
    codes = [g.code for g in gateways]
    chosen = selected if selected in codes else (codes[0] if codes else "")
    return [MethodChoice(gateway=g, selected=g.code == chosen) for g in gateways]


def last_payment_error(payment: Payment | None) -> str:
    """What the shopper should read about the latest attempt if it ended unpaid."""
    if payment is None or payment.status not in ENDED_UNPAID:
        return ""
    return payment.error_message or _(
        "The payment did not go through. Try again or use another payment method."
    )


def _payment_page(
    request: HttpRequest,
    checkout: Checkout,
    *,
    code_error: str = "",
    code_value: str = "",
    method: str = "",
    status: int = 200,
) -> HttpResponse:
    review = checkout_review(checkout=checkout, images=True)
    user = request_shopper(request)
    order = order_for_checkout(checkout_token=checkout.token)
    payment = live_payment(order) if order is not None and order.status == OrderStatus.PENDING else None
    gateways = gateways_available()
    credit = (
        store_credit_balance(user=user) if user is not None and checkout.user_id == user.pk else Decimal(0)
    )
    problems = list(review.problems)
    totals = review.totals
    context = {
        "applied_codes": _applied_codes(checkout, review),
        "problems": problems,
        "price_changed": any(p.code == CheckoutErrorCode.PRICE_CHANGED for p in problems),
        "line_problems": any(p.line and p.code != CheckoutErrorCode.PRICE_CHANGED for p in problems),
        "refused_codes": review.refused_codes,
        "methods": method_choices(gateways, method or (payment.gateway if payment is not None else "")),
        "needs_payment": totals.amount_due > 0,
        "can_place": not problems and (bool(gateways) or totals.amount_due <= 0),
        "payment_error": last_payment_error(payment),
        "waiting_payment_url": _waiting_payment_url(checkout, payment),
        "store_credit": credit,
        "show_store_credit": user is not None and (credit > 0 or checkout.use_store_credit),
        "code_error": code_error,
        "code_value": code_value,
        "test_cards": dummy_test_cards(),
        "step_links": {key: step_url(checkout, key) for key in STEP_KEYS},
    }
    return render_step(request, checkout, "payment", context, review=review, status=status)


def _waiting_payment_url(checkout: Checkout, payment: Payment | None) -> str:
    """Where the shopper finishes an attempt that waits for them (the authentication page, the
    card page), when they came back to the payment step instead."""
    if payment is None or payment.status != PaymentStatus.REQUIRES_ACTION:
        return ""
    if payment.action_url:
        return payment.action_url
    if payment.client_secret:
        return reverse("storefront:checkout_card", kwargs={"token": checkout.token})
    return ""


def _applied_codes(checkout: Checkout, review: CheckoutReview) -> list[dict[str, Any]]:
    """The codes on the checkout with what each takes off now (None when it takes nothing off)
    and whether it no longer applies."""
    totals = review.totals
    discounts = {d.code.lower(): d.amount for d in totals.discounts if d.code}
    cards = dict(totals.gift_cards)
    refused = {code.lower() for code in review.refused_codes}
    return [
        {
            "code": code,
            "kind": "discount",
            "amount": discounts.get(code.lower()),
            "refused": code.lower() in refused,
        }
        for code in checkout.discount_codes
    ] + [
        {"code": code, "kind": "gift_card", "amount": cards.get(code), "refused": code.lower() in refused}
        for code in checkout.gift_card_codes
    ]


def dummy_test_cards() -> list[tuple[str, str]]:
    return [
        ("4242 4242 4242 4242", _("succeeds")),
        ("4000 0000 0000 0002", _("is declined")),
        ("4000 0025 0000 3155", _("asks for authentication")),
    ]


@no_permission_required(WHY)
@never_cache
@require_GET
def checkout_payment(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout = checkout_for_request(request, token)
    elsewhere = step_redirect(request, checkout, "payment")
    if elsewhere is not None:
        return elsewhere
    return _payment_page(request, checkout, method=request.GET.get("method", ""))


def _open_checkout(request: HttpRequest, token: uuid.UUID) -> tuple[Checkout, HttpResponse | None]:
    """A checkout for a change on the payment page; a completed one goes to its confirmation."""
    checkout = checkout_for_request(request, token)
    return checkout, step_redirect(request, checkout, "payment")


@no_permission_required(WHY)
@never_cache
@require_POST
def checkout_code_apply(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Apply a discount code or a gift card code; a refused code is shown next to the field."""
    checkout, elsewhere = _open_checkout(request, token)
    if elsewhere is not None:
        return elsewhere
    typed = request.POST.get("code", "")[:100]
    try:
        applied = checkout_services.checkout_code_apply(checkout=checkout, code=typed)
    except CheckoutError as error:
        return _payment_page(request, checkout, code_error=error.message, code_value=typed, status=400)
    if applied.kind == "gift_card":
        messages.success(request, _("Gift card %(code)s applied.") % {"code": applied.code})
    else:
        messages.success(request, _("Discount code %(code)s applied.") % {"code": applied.code})
    for replaced in applied.replaced:
        messages.info(
            request,
            _("%(code)s does not combine with %(new)s and was removed.")
            % {"code": replaced, "new": applied.code},
        )
    return redirect(step_url(checkout, "payment"))


@no_permission_required(WHY)
@never_cache
@require_POST
def checkout_code_remove(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout, elsewhere = _open_checkout(request, token)
    if elsewhere is not None:
        return elsewhere
    checkout_services.checkout_code_remove(checkout=checkout, code=request.POST.get("code", "")[:100])
    return redirect(step_url(checkout, "payment"))


@no_permission_required(WHY)
@never_cache
@require_POST
def checkout_store_credit(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout, elsewhere = _open_checkout(request, token)
    if elsewhere is not None:
        return elsewhere
    try:
        checkout_services.checkout_store_credit_set(checkout=checkout, use=request.POST.get("use") == "1")
    except CheckoutError as error:
        messages.error(request, error.message)
    return redirect(step_url(checkout, "payment"))


@no_permission_required(WHY)
@never_cache
@require_POST
def checkout_prices_accept(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The shopper has seen the changed prices and goes on with them."""
    checkout, elsewhere = _open_checkout(request, token)
    if elsewhere is not None:
        return elsewhere
    checkout_services.checkout_prices_accept(checkout=checkout)
    return redirect(step_url(checkout, "payment"))


def payment_data(request: HttpRequest, gateway_code: str) -> dict[str, str]:
    """What the chosen method's fields collected (the dummy gateway's card number); nothing
    else of the form reaches the gateway."""
    if gateway_code == GatewayCode.DUMMY:
        return {"card_number": request.POST.get("card_number", "")[:40]}
    return {}


@no_permission_required(WHY)
@never_cache
@require_POST
def checkout_place(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Place the order and start its payment (see the module docstring for why a repeat is
    harmless). Refusals (a problem, a changed total or amount to pay, sold out meanwhile, a
    method the store switched off, no method while something is left to pay) come back to the
    payment page with the reason; nothing was charged."""
    checkout = checkout_for_request(request, token)
    if checkout.status == Checkout.Status.COMPLETED and checkout.order_reference:
        remember(request, SESSION_ORDERS, checkout.order_reference)
        return redirect("storefront:checkout_complete", order_uuid=checkout.order_reference)
    retry = step_url(checkout, "payment")
    # "" when nothing is left to pay (the page then offers no method): placement needs none.
    gateway_code = request.POST.get("method", "")[:40]
    return_url = request.build_absolute_uri(
        reverse("storefront:checkout_return", kwargs={"token": checkout.token})
    )
    checkout_risk_context_record(request, checkout)  # the shopper's address, for fraud checks
    try:
        placement = order_place(
            checkout=checkout,
            gateway_code=gateway_code,
            payment_data=payment_data(request, gateway_code),
            expected_total=request.POST.get("expected_total", "")[:40],
            expected_amount_due=request.POST.get("expected_amount_due", "")[:40],
            return_url=return_url,
        )
    except (OrderError, PaymentError, CheckoutError) as error:
        messages.error(request, error.message)
        if isinstance(error, OrderError) and error.code == OrderErrorCode.CHECKOUT_EMPTY:
            return redirect("storefront:cart")  # emptied in another tab: nothing to pay for here
        return redirect(f"{retry}?method={gateway_code}" if gateway_code else retry)
    remember(request, SESSION_ORDERS, placement.order.uuid)
    return placement_response(
        request,
        placement,
        retry_url=f"{retry}?method={gateway_code}",
        card_url=reverse("storefront:checkout_card", kwargs={"token": checkout.token}),
        return_url=return_url,
        done_url=reverse("storefront:checkout_complete", kwargs={"order_uuid": placement.order.uuid}),
    )


def placement_response(
    request: HttpRequest,
    placement: Placement,
    *,
    retry_url: str,
    card_url: str,
    return_url: str,
    done_url: str,
) -> HttpResponse:
    """Where the shopper goes after placing (or paying a link): the confirmation when paid or
    paid offline later; back to the payment form with the gateway's message when declined; the
    authentication page or the card page when the gateway needs them; else the return page,
    which waits for the payment's outcome."""
    result = placement.result
    payment = placement.payment
    if placement.paid or result is None:
        return redirect(done_url)
    if result.status in ENDED_UNPAID:
        # The payment step shows the attempt's error (stored with the payment).
        if payment is None or not payment.error_message:
            messages.error(request, result.error_message or _("The payment did not go through."))
        return redirect(retry_url)
    if result.status == PaymentStatus.REQUIRES_ACTION:
        if result.action_url and _may_send_to(request, result.action_url):
            return HttpResponseRedirect(result.action_url)
        if result.client_secret:
            return redirect(card_url)
    if payment is not None and gateway_is_manual(payment.gateway):
        return redirect(done_url)
    return HttpResponseRedirect(return_url)


def _may_send_to(request: HttpRequest, url: str) -> bool:
    """A gateway's authentication page: on this host, or on any https site (a bank's)."""
    return (
        url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        or urlsplit(url).scheme == "https"
    )


# ------------------------------------------------------------------------------
# coming back from a payment step: the return page and Stripe's card page
# ------------------------------------------------------------------------------
def payment_refresh(payment: Payment | None) -> GatewayResult | None:
    """Ask the gateway where an unfinished payment stands and hand the answer on as a payment
    update (what a webhook would do; the orders handler ignores what it knows already, so a
    reload, a poll or a webhook arriving before or after changes nothing twice). Returns the
    gateway's answer (None when it was not asked)."""
    if (
        payment is None
        or payment.status not in IN_FLIGHT
        or not payment.external_id
        or gateway_is_manual(payment.gateway)
    ):
        return None
    result = _retrieve(payment)
    if result is None or result.status == payment.status:
        return result
    with transaction.atomic():
        payment_update_dispatch(
            PaymentUpdate(
                gateway=payment.gateway,
                external_id=payment.external_id,
                status=result.status,
                amount=result.amount,
                amount_refunded=result.amount_refunded,
                currency=result.currency or payment.currency,
                occurred_at=timezone.now(),
                event_id=f"storefront-return:{payment.external_id}:{result.status}",
                error_code=result.error_code,
                error_message=str(result.error_message),
            )
        )
    return result


def _retrieve(payment: Payment) -> GatewayResult | None:
    try:
        return gateway_get(payment.gateway, enabled_only=False).retrieve(external_id=payment.external_id)
    except PaymentError as error:
        logger.warning("payment %s could not be retrieved: %s", payment.external_id, error.code)
        return None


def settled_response(
    request: HttpRequest,
    order: Order,
    *,
    retry_url: str,
    card_url: str,
    done_url: str,
    waiting: dict[str, Any],
) -> HttpResponse:
    """After a payment step elsewhere: the order's payment as it stands now decides (call
    `payment_refresh` first, so it is what the gateway says). A card payment the gateway is
    still processing is waited for (the page polls); one waiting for the shopper offers its
    step again."""
    payment = live_payment(order)
    if order.is_paid:
        remember(request, SESSION_ORDERS, order.uuid)
        return redirect(done_url)
    if order.status == OrderStatus.CANCELLED:
        messages.error(
            request, _("This order was cancelled because it was not paid in time. You can try again.")
        )
        return redirect(retry_url)
    if payment is None or payment.status in ENDED_UNPAID:
        # The payment step shows why the attempt failed (`last_payment_error`: the gateway's
        # words, stored with the failure whichever way it was learnt).
        if payment is None:
            messages.error(request, _("The payment did not go through."))
        return redirect(retry_url)
    if gateway_is_manual(payment.gateway):
        remember(request, SESSION_ORDERS, order.uuid)
        return redirect(done_url)
    status = payment.status
    if status == PaymentStatus.REQUIRES_ACTION and payment.client_secret and not payment.action_url:
        return redirect(card_url)
    context = {
        **waiting,
        "order": order,
        "payment": payment,
        "action_url": payment.action_url if status == PaymentStatus.REQUIRES_ACTION else "",
        "poll_seconds": POLL_SECONDS if status != PaymentStatus.REQUIRES_ACTION else 0,
        "retry_url": retry_url,
    }
    return secure(render(request, f"{TEMPLATES}waiting.html", context))


@no_permission_required(WHY)
@never_cache
@require_GET
def checkout_return(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Where the dummy authentication page and Stripe send the shopper back (Stripe adds
    `payment_intent` and `redirect_status`; the intent is retrieved rather than the parameters
    believed). Safe to reload or poll: it reads the payment's state, asks the gateway while it
    is unfinished, and redirects on."""
    checkout = checkout_for_request(request, token)
    order = order_for_checkout(checkout_token=checkout.token)
    retry = step_url(checkout, "payment")
    if order is None:
        if checkout.status == Checkout.Status.COMPLETED and checkout.order_reference:
            remember(request, SESSION_ORDERS, checkout.order_reference)
            return redirect("storefront:checkout_complete", order_uuid=checkout.order_reference)
        return redirect(retry)
    payment = live_payment(order)
    intent = request.GET.get("payment_intent", "")
    if intent and payment is not None and intent != payment.external_id:
        # An older attempt's return (a second tab): the latest attempt is what counts.
        logger.info("return for %s while the live payment is %s", intent, payment.external_id)
    payment_refresh(payment)
    order.refresh_from_db()
    return settled_response(
        request,
        order,
        retry_url=retry,
        card_url=reverse("storefront:checkout_card", kwargs={"token": checkout.token}),
        done_url=reverse("storefront:checkout_complete", kwargs={"order_uuid": order.uuid}),
        waiting={"back_url": retry},
    )


def card_page(
    request: HttpRequest, *, order: Order, payment: Payment, return_url: str, back_url: str
) -> HttpResponse:
    """Stripe's Payment Element for the order's PaymentIntent (Stripe.js confirms it in the
    browser and sends the shopper to `return_url`)."""
    config = stripe_element_config()
    context = {
        "order": order,
        "payment": payment,
        "stripe": config,
        "client_secret": payment.client_secret,
        "return_url": return_url,
        "back_url": back_url,
    }
    return secure(render(request, f"{TEMPLATES}card.html", context), stripe=True)


def card_payment(order: Order | None) -> Payment | None:
    """The order's live Stripe attempt waiting for the shopper's card, if that is where it is."""
    if order is None or order.status != OrderStatus.PENDING:
        return None
    payment = live_payment(order)
    if (
        payment is None
        or payment.gateway != GatewayCode.STRIPE
        or payment.status != PaymentStatus.REQUIRES_ACTION
        or not payment.client_secret
    ):
        return None
    return payment


@no_permission_required(WHY)
@never_cache
@require_GET
def checkout_card(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout = checkout_for_request(request, token)
    order = order_for_checkout(checkout_token=checkout.token)
    payment = card_payment(order)
    if order is None or payment is None:
        return redirect("storefront:checkout_return", token=checkout.token)
    return_url = request.build_absolute_uri(
        reverse("storefront:checkout_return", kwargs={"token": checkout.token})
    )
    return card_page(
        request, order=order, payment=payment, return_url=return_url, back_url=step_url(checkout, "payment")
    )
