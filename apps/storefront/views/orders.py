"""Pages about one order that a shopper reaches outside the account's order history
(`views.account_orders`): the confirmation right after checkout, the order status page behind a
signed link (how a guest follows their order), and the payment link page of a draft order (or
of the balance an edit added), which runs the same payment step as the checkout.

Who sees what:
- the confirmation (`/checkout/complete/<order uuid>/`): the session that placed (or paid) the
  order, or the signed-in shopper it belongs to; anyone else gets 404;
- the status page (`/orders/status/<token>/`): whoever holds the link, which is signed with
  Django's signing (salt `storefront.order-status`) over the order's uuid and the store's
  schema, so it cannot be forged or used on another store; it has no expiry, like a parcel
  tracking link, and shows no payment details beyond the order's own amounts;
- the payment link (`/pay/<token>/`): whoever holds it (apps.orders.drafts signs it, valid for
  ORDER_PAYMENT_LINK_MAX_AGE_DAYS).

The timeline shows the entries meant for the shopper (placed, paid, refunded, cancelled, status
changes); stock moves, staff notes and the like stay on the dashboard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.checkout.errors import CheckoutError
from apps.core.permissions import no_permission_required
from apps.customers import selectors as customer_selectors
from apps.orders.drafts import draft_order_pay, order_for_payment_token
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.errors import OrderError
from apps.orders.links import order_status_token, order_uuid_from_status_token
from apps.orders.models import Order, Payment
from apps.orders.payment_status import IN_FLIGHT
from apps.orders.selectors import TimelineEntry, order_detail, order_timeline
from apps.payments.errors import PaymentError
from apps.payments.gateways import gateway_get, gateway_is_manual, gateways_available
from apps.storefront.views.checkout import SESSION_ORDERS, TEMPLATES, remember, remembered, secure
from apps.storefront.views.checkout_payment import (
    card_page,
    card_payment,
    dummy_test_cards,
    last_payment_error,
    method_choices,
    payment_data,
    payment_refresh,
    placement_response,
    settled_response,
)

WHY_CONFIRMATION = (
    "the confirmation of an order: only the session that placed it or its signed-in shopper; 404 otherwise"
)
WHY_SIGNED = "an order's own page behind a signed link (the link is the credential); a bad link is a 404"

# Timeline entries a shopper reads on their order's page.
SHOPPER_EVENTS = frozenset(
    {
        OrderEventKind.PLACED,
        OrderEventKind.STATUS_CHANGED,
        OrderEventKind.PAYMENT_SUCCEEDED,
        OrderEventKind.PAYMENT_FAILED,
        OrderEventKind.MARKED_PAID,
        OrderEventKind.REFUNDED,
        OrderEventKind.CANCELLED,
        OrderEventKind.EDITED,
        OrderEventKind.BALANCE_DUE,
    }
)


# ------------------------------------------------------------------------------
# the signed status link
# ------------------------------------------------------------------------------
def order_status_url(request: HttpRequest, order: Order) -> str:
    path = reverse("storefront:order_status", kwargs={"token": order_status_token(order=order)})
    return request.build_absolute_uri(path)


# ------------------------------------------------------------------------------
# what an order page shows
# ------------------------------------------------------------------------------
def shopper_timeline(order: Order) -> list[TimelineEntry]:
    """The order's timeline entries meant for the shopper, oldest first (from `order_detail`'s
    prefetch: no query)."""
    return [entry for entry in order_timeline(order) if entry.kind in SHOPPER_EVENTS]


def latest_payment(order: Order) -> Payment | None:
    payments = list(order.payments.all())  # prefetched by `order_detail`, by attempt
    return payments[-1] if payments else None


def payment_instructions(order: Order) -> str:
    """The store's instructions for an order waiting for a bank transfer or cash on delivery."""
    payment = latest_payment(order)
    if (
        order.status != OrderStatus.PENDING
        or payment is None
        or payment.status not in IN_FLIGHT
        or not gateway_is_manual(payment.gateway)
    ):
        return ""
    try:
        gateway = gateway_get(payment.gateway, enabled_only=False)
    except PaymentError:
        return ""
    return str(getattr(gateway, "instructions", "") or "")


@dataclass(frozen=True)
class TotalsRow:
    """One row of an order's totals table."""

    key: str  # what the row is (its `data-total`): subtotal, discount, shipping, tax, total, ...
    label: str
    amount: Decimal
    negative: bool = False  # taken off what is owed (shown with a minus)
    grand: bool = False  # the total, and the amount still due
    paid_by: bool = False  # how the total was paid


def order_totals_rows(order: Order, *, payment_method: str = "") -> list[TotalsRow]:
    """The rows of `order`'s totals as every shopper page shows them (the confirmation, the
    status page, the payment link, the account's order page), from the order and its
    prefetched discounts. With prices excluding tax, shipping is shown without its tax (which
    the tax row holds), so subtotal - discounts + shipping + tax = total, as the checkout
    listed it; with prices including tax, shipping is shown as charged and the tax row says
    how much of the total is tax."""
    rows = [TotalsRow("subtotal", _("Subtotal"), order.subtotal)]
    discounts = [d for d in order.discounts.all() if d.amount]
    for discount in discounts:
        label = _("Discount %(code)s") % {"code": discount.code} if discount.code else discount.name
        rows.append(TotalsRow("discount", label, discount.amount, negative=True))
    if not discounts and order.discount_total:
        rows.append(TotalsRow("discount", _("Discounts"), order.discount_total, negative=True))
    shipping = order.shipping_shown
    label = _("Shipping")
    if order.shipping_method_name:
        label = f"{label} ({order.shipping_method_name})"
    rows.append(TotalsRow("shipping", label, shipping))
    if order.tax_total or order.tax_name:
        label = _("Including tax") if order.prices_include_tax else _("Tax")
        if order.tax_name:
            label = f"{label} ({order.tax_name})"
        rows.append(TotalsRow("tax", label, order.tax_total))
    rows.append(TotalsRow("total", _("Total"), order.total, grand=True))
    if order.gift_card_total:
        rows.append(
            TotalsRow("gift-card", _("Paid by gift card"), order.gift_card_total, negative=True, paid_by=True)
        )
    if order.store_credit_total:
        rows.append(
            TotalsRow(
                "store-credit",
                _("Paid by store credit"),
                order.store_credit_total,
                negative=True,
                paid_by=True,
            )
        )
    if order.amount_paid:
        label = _("Paid (%(method)s)") % {"method": payment_method} if payment_method else _("Paid")
        rows.append(TotalsRow("paid", label, order.amount_paid, paid_by=True))
    if order.amount_refunded:
        rows.append(TotalsRow("refunded", _("Refunded"), order.amount_refunded))
    if order.balance_due > 0 and order.status != OrderStatus.CANCELLED:
        rows.append(TotalsRow("amount-due", _("Amount due"), order.balance_due, grand=True))
    return rows


def order_context(order: Order) -> dict[str, Any]:
    payment = latest_payment(order)
    method = payment_method_name(payment)
    addresses = {
        key: {**address, "country_name": customer_selectors.country_name(str(address.get("country", "")))}
        for key, address in (("shipping", order.shipping_address), ("billing", order.billing_address))
        if address
    }
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "addresses": addresses,
        "billing_is_shipping": order.billing_address == order.shipping_address,
        "payment": payment,
        "payment_method": method,
        "instructions": payment_instructions(order),
        "timeline": shopper_timeline(order),
        "amount_due": max(order.balance_due, Decimal(0)),
        "totals_rows": order_totals_rows(order, payment_method=method),
    }


def payment_method_name(payment: Payment | None) -> str:
    """The name of the gateway `payment` went through, as shoppers know it ("" for none)."""
    if payment is None or not payment.gateway:
        return ""
    try:
        return str(gateway_get(payment.gateway, enabled_only=False).name)
    except PaymentError:
        return payment.gateway


def _may_see(request: HttpRequest, order: Order) -> bool:
    if remembered(request, SESSION_ORDERS, order.uuid):
        return True
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return order.user_id == user.pk or (order.customer is not None and order.customer.user_id == user.pk)


# ------------------------------------------------------------------------------
# the confirmation and the status page
# ------------------------------------------------------------------------------
@no_permission_required(WHY_CONFIRMATION)
@never_cache
@require_GET
def checkout_complete(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
    order = order_detail(order_uuid=order_uuid)
    if order is None or not _may_see(request, order):
        raise Http404(_("This order does not exist."))
    context = {**order_context(order), "status_url": order_status_url(request, order)}
    return secure(render(request, f"{TEMPLATES}complete.html", context))


@no_permission_required(WHY_SIGNED)
@never_cache
@require_GET
def order_status(request: HttpRequest, token: str) -> HttpResponse:
    order_uuid = order_uuid_from_status_token(token)
    order = order_detail(order_uuid=order_uuid) if order_uuid is not None else None
    if order is None:
        raise Http404(_("This order does not exist."))
    return secure(render(request, f"{TEMPLATES}order_status.html", order_context(order)))


# ------------------------------------------------------------------------------
# the payment link
# ------------------------------------------------------------------------------
def _link_order(token: str) -> Order:
    found = order_for_payment_token(token=token)
    order = order_detail(order_id=found.pk) if found is not None else None
    if order is None:
        raise Http404(_("This payment link is not valid (any more). Ask the shop for a new one."))
    return order


def _pay_urls(request: HttpRequest, token: str, order: Order, method: str = "") -> dict[str, str]:
    page = reverse("storefront:order_pay", kwargs={"token": token})
    return {
        "retry_url": f"{page}?method={method}" if method else page,
        "card_url": reverse("storefront:order_pay_card", kwargs={"token": token}),
        "return_url": request.build_absolute_uri(
            reverse("storefront:order_pay_return", kwargs={"token": token})
        ),
        "done_url": reverse("storefront:checkout_complete", kwargs={"order_uuid": order.uuid}),
    }


@no_permission_required(WHY_SIGNED)
@never_cache
@require_http_methods(["GET", "POST"])
def order_pay(request: HttpRequest, token: str) -> HttpResponse:
    """Pay what an order owes: a draft order staff sent, or an edited order's balance."""
    order = _link_order(token)
    if request.method == "POST":
        gateway_code = request.POST.get("method", "")[:40]
        urls = _pay_urls(request, token, order, gateway_code)
        try:
            placement = draft_order_pay(
                token=token,
                gateway_code=gateway_code,
                payment_data=payment_data(request, gateway_code),
                return_url=urls["return_url"],
            )
        except (OrderError, PaymentError, CheckoutError) as error:
            messages.error(request, error.message)
            return redirect(urls["retry_url"])
        remember(request, SESSION_ORDERS, order.uuid)
        return placement_response(request, placement, **urls)
    payment = latest_payment(order)
    owes = order.status not in (OrderStatus.CANCELLED,) and order.balance_due > 0
    context = {
        **order_context(order),
        "owes": owes,
        "methods": method_choices(gateways_available(), request.GET.get("method", "")) if owes else [],
        "payment_error": last_payment_error(payment) if owes else "",
        "test_cards": dummy_test_cards(),
        "status_url": order_status_url(request, order),
        "token": token,
    }
    return secure(render(request, f"{TEMPLATES}pay.html", context))


@no_permission_required(WHY_SIGNED)
@never_cache
@require_GET
def order_pay_card(request: HttpRequest, token: str) -> HttpResponse:
    order = _link_order(token)
    payment = card_payment(order)
    if payment is None:
        return redirect("storefront:order_pay_return", token=token)
    urls = _pay_urls(request, token, order)
    return card_page(
        request, order=order, payment=payment, return_url=urls["return_url"], back_url=urls["retry_url"]
    )


@no_permission_required(WHY_SIGNED)
@never_cache
@require_GET
def order_pay_return(request: HttpRequest, token: str) -> HttpResponse:
    order = _link_order(token)
    payment_refresh(latest_payment(order))
    order = _link_order(token)
    urls = _pay_urls(request, token, order)
    return settled_response(
        request,
        order,
        retry_url=urls["retry_url"],
        card_url=urls["card_url"],
        done_url=urls["done_url"],
        waiting={"back_url": urls["retry_url"]},
    )
