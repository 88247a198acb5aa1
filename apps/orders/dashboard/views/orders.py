"""The orders list and an order's page with its actions: staff notes, cancelling, marking a
manual payment paid, and the payment link of a draft or of an edit's balance.

Reading needs `orders.view`; every action needs `orders.manage`, and one that gives money back
(cancelling an order that was paid) also needs `refunds.create`. Each action has a page of its
own that says what it will do before it is done; a refusal from the service is shown there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.page_slots import slots_render
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.customers.selectors import country_name
from apps.orders.dashboard.forms import CancelForm, MarkPaidForm, NoteForm, OrderFilterForm
from apps.orders.dashboard.queries import (
    PAYMENT_STATE_CHOICES,
    FulfilmentState,
    balance_payment,
    card_payment_pending,
    draft_is_deletable,
    manual_payment_pending,
    order_fulfilment_state,
    order_page,
    order_tax_percent,
)
from apps.orders.dashboard.views.common import (
    forbidden,
    order_or_404,
    payment_link_remember,
    payment_link_reveal,
    posted,
    show_error,
    store_timezone,
)
from apps.orders.drafts import draft_order_send, order_payment_link
from apps.orders.edits import order_edit_refusal
from apps.orders.enums import OrderOrigin, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError
from apps.orders.models import Order, Payment
from apps.orders.selectors import order_detail, order_payment_state, order_timeline
from apps.orders.services import order_cancel, order_mark_paid, order_note_add
from apps.orders.transitions import CANCELLABLE_STATUSES
from apps.payments.enums import GatewayCode

PAYMENT_LABELS = dict(PAYMENT_STATE_CHOICES)
FULFILMENT_LABELS = dict(FulfilmentState.choices)
GATEWAY_LABELS = dict(GatewayCode.choices)


def _detail_url(order: Order) -> str:
    return reverse("dashboard:orders:order_detail", kwargs={"order_number": order.number})


@dataclass(frozen=True)
class OrderRow:
    order: Order
    payment: str
    payment_label: str
    fulfilment: str
    fulfilment_label: str


def _row(order: Order) -> OrderRow:
    payment, fulfilment = order_payment_state(order), order_fulfilment_state(order)
    return OrderRow(
        order=order,
        payment=payment,
        payment_label=str(PAYMENT_LABELS.get(payment, "")),
        fulfilment=fulfilment,
        fulfilment_label=str(FULFILMENT_LABELS.get(fulfilment, "")),
    )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.to_filters()
    with store_timezone() as zone:
        result = order_page(filters=filters, zone=zone, page=request.GET.get("page"))
        context = {
            "form": form,
            "filtered": filters.active,
            "result": result,
            "page": result.page,
            "rows": [_row(order) for order in result.page.object_list],
        }
        return render(request, "orders/dashboard/order_list.html", context)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def order_by_uuid(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
    """Links that name an order by its uuid (events, webhooks, the API) land on its page."""
    order = order_detail(order_uuid=order_uuid)
    if order is None:
        raise Http404(_("No such order."))
    return redirect("dashboard:orders:order_detail", order_number=order.number)


@dataclass(frozen=True)
class OrderActions:
    """Which actions the order's page offers this user (each action's page checks again)."""

    edit: bool
    cancel: bool
    cancel_refunds: bool  # cancelling gives money back (needs refunds.create too)
    mark_paid: bool
    payment_link: bool
    delete: bool

    @property
    def any(self) -> bool:
        return self.edit or self.cancel or self.mark_paid or self.payment_link or self.delete


def _payment_link_possible(order: Order) -> bool:
    if order.origin == OrderOrigin.DRAFT and order.status == OrderStatus.PENDING:
        return order.balance_due > 0
    return balance_payment(order) is not None


def _actions(request: HttpRequest, order: Order) -> OrderActions:
    manage = user_has_permission(request.user, Perm.ORDERS_MANAGE)
    refunds = user_has_permission(request.user, Perm.REFUNDS_CREATE)
    cancel_refunds = order.cancel_refund > 0
    return OrderActions(
        edit=manage and order_edit_refusal(order) is None,
        cancel=manage and order.status in CANCELLABLE_STATUSES and (refunds or not cancel_refunds),
        cancel_refunds=cancel_refunds,
        mark_paid=manage
        and order.status == OrderStatus.PENDING
        and (manual_payment_pending(order) is not None or _may_choose_method(order)),
        payment_link=manage and _payment_link_possible(order),
        delete=manage and draft_is_deletable(order),
    )


def _may_choose_method(order: Order) -> bool:
    """A draft with no payment under way may be marked paid by a manual method staff choose
    (the customer paid by transfer); a checkout order only by the manual payment it chose."""
    return (
        order.origin == OrderOrigin.DRAFT
        and manual_payment_pending(order) is None
        and card_payment_pending(order) is None
    )


def _address(address: dict[str, Any] | None) -> dict[str, Any]:
    """An address snapshot with `country_name` in the reader's language for the page."""
    if not address:
        return {}
    return {**address, "country_name": country_name(str(address.get("country") or ""))}


def _payments(order: Order) -> list[Payment]:
    """The order's payments, each with `gateway_label` ("Bank transfer") for the page."""
    payments = list(order.payments.all())
    for payment in payments:
        payment.gateway_label = GATEWAY_LABELS.get(payment.gateway, payment.gateway)  # type: ignore[attr-defined]
    return payments


def _detail(
    request: HttpRequest, order: Order, *, note_form: NoteForm | None = None, status: int = 200
) -> HttpResponse:
    with store_timezone():
        context: dict[str, Any] = {
            "order": order,
            "row": _row(order),
            "lines": list(order.lines.all()),
            "discounts": list(order.discounts.all()),
            "payments": _payments(order),
            "shipping_address": _address(order.shipping_address),
            "billing_address": _address(order.billing_address),
            "billing_same": not order.billing_address or order.billing_address == order.shipping_address,
            "refunds": list(order.refunds.all()),
            "timeline": order_timeline(order),
            "notes": list(order.notes.all()),
            "note_form": note_form or NoteForm(),
            "actions": _actions(request, order),
            "payment_link": payment_link_reveal(request, order=order),
            "is_draft": order.origin == OrderOrigin.DRAFT and order.status == OrderStatus.PENDING,
            "tax_percent": order_tax_percent(order),
            "panels": slots_render("dashboard.order", request, order),
        }
        return render(request, "orders/dashboard/order_detail.html", context, status=status)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def order_detail_view(request: HttpRequest, order_number: int) -> HttpResponse:
    return _detail(request, order_or_404(order_number))


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_POST
def order_note_add_view(request: HttpRequest, order_number: int) -> HttpResponse:
    order = order_or_404(order_number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            order_note_add(order=order, author=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
        except OrderError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect(_detail_url(order))
    return _detail(request, order, note_form=form, status=400)


# ------------------------------------------------------------------------------
# Cancelling
# ------------------------------------------------------------------------------
def _cancel_refusal(order: Order) -> str:
    if order.status in CANCELLABLE_STATUSES:
        return ""
    return _("Order #%(number)s is %(status)s and can no longer be cancelled.") % {
        "number": order.number,
        "status": order.get_status_display(),
    }


def _already_cancelled(request: HttpRequest, order: Order) -> HttpResponse:
    """The cancel form posted again (a double click, a reload): the order was cancelled once."""
    messages.info(request, _("Order #%(number)s is already cancelled.") % {"number": order.number})
    return redirect(_detail_url(order))


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def order_cancel_view(request: HttpRequest, order_number: int) -> HttpResponse:
    """Cancel after a confirmation page that says what will happen: payments under way are
    cancelled, money taken is refunded (which needs `refunds.create`), stock goes back."""
    order = order_or_404(order_number)
    if request.method == "POST" and order.status == OrderStatus.CANCELLED:
        return _already_cancelled(request, order)
    refunds = order.cancel_refund > 0
    if refunds and not user_has_permission(request.user, Perm.REFUNDS_CREATE):
        return forbidden(request, Perm.REFUNDS_CREATE)
    sold = order.stock_status == OrderStockStatus.COMMITTED
    form = CancelForm(posted(request))
    if not sold:
        del form.fields["restock"]
    error = _cancel_refusal(order)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                order_cancel(
                    order=order,
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    restock=form.cleaned_data.get("restock", True) if sold else True,
                )
            except OrderError as refusal:
                if refusal.params.get("status") == OrderStatus.CANCELLED:
                    return _already_cancelled(request, order)  # a second post that ran alongside
                error = refusal.message
            else:
                messages.success(request, _("Order #%(number)s was cancelled.") % {"number": order.number})
                return redirect(_detail_url(order))
    context = {
        "order": order,
        "form": form,
        "error": error,
        "refund_amount": order.cancel_refund if refunds else None,
        "in_flight": card_payment_pending(order) or manual_payment_pending(order),
        "sold": sold,
        "cancellable": order.status in CANCELLABLE_STATUSES,
    }
    return render(request, "orders/dashboard/order_cancel.html", context, status=status)


# ------------------------------------------------------------------------------
# Marking a manual payment paid
# ------------------------------------------------------------------------------
def _mark_paid_refusal(order: Order) -> str:
    if order.status != OrderStatus.PENDING:
        return _("Order #%(number)s is not waiting for a payment.") % {"number": order.number}
    if manual_payment_pending(order) is None and not _may_choose_method(order):
        return _(
            "Only a manual payment (bank transfer, cash on delivery) can be marked as paid; "
            "this order is paid through %(gateway)s, which tells the store itself when the money arrives."
        ) % {"gateway": _gateway_label(card_payment_pending(order))}
    return ""


def _gateway_label(payment: Payment | None) -> str:
    if payment is None or not payment.gateway:
        return _("a payment gateway")
    return str(GATEWAY_LABELS.get(payment.gateway, payment.gateway))


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def order_mark_paid_view(request: HttpRequest, order_number: int) -> HttpResponse:
    order = order_or_404(order_number)
    waiting = manual_payment_pending(order)
    form = MarkPaidForm(posted(request), ask_method=waiting is None and _may_choose_method(order))
    error = _mark_paid_refusal(order)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                # With no manual payment waiting and no method chosen (a card order), the
                # service refuses: that refusal is the message shown.
                order_mark_paid(
                    order=order,
                    actor=request.user,  # type: ignore[arg-type]
                    gateway_code=form.cleaned_data.get("method", ""),
                )
            except OrderError as refusal:
                error = refusal.message
            else:
                messages.success(request, _("Order #%(number)s is paid.") % {"number": order.number})
                return redirect(_detail_url(order))
    context = {
        "order": order,
        "form": form,
        "error": error,
        "waiting": waiting,
        "waiting_label": GATEWAY_LABELS.get(waiting.gateway, waiting.gateway) if waiting else "",
    }
    return render(request, "orders/dashboard/order_mark_paid.html", context, status=status)


# ------------------------------------------------------------------------------
# Payment links (a draft, or what an edit left to pay)
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def order_payment_link_view(request: HttpRequest, order_number: int) -> HttpResponse:
    """Make the link the customer pays through and show it to copy (it is shown on the order's
    page once). Sending a draft's link also marks the draft sent on its timeline."""
    order = order_or_404(order_number)
    is_draft = order.origin == OrderOrigin.DRAFT and order.status == OrderStatus.PENDING
    error = "" if _payment_link_possible(order) else _("Nothing is left to pay on this order.")
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if is_draft:
                url = draft_order_send(order=order, actor=request.user)  # type: ignore[arg-type]
            elif error:
                raise OrderError(error)
            else:
                url = order_payment_link(order=order)
        except OrderError as refusal:
            error = refusal.message
        else:
            payment_link_remember(request, order=order, url=url)
            messages.success(
                request,
                _("Payment link ready: copy it below and send it to %(email)s.") % {"email": order.email},
            )
            return redirect(_detail_url(order))
    amount = order.balance_due if is_draft else getattr(balance_payment(order), "amount", order.balance_due)
    context = {
        "order": order,
        "error": error,
        "is_draft": is_draft,
        "amount": amount,
        "resend": bool(order.draft_sent_at) or not is_draft,
    }
    return render(request, "orders/dashboard/order_payment_link.html", context, status=status)
