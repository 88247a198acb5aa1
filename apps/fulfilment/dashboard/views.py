"""The fulfilment pages of the dashboard: shipping an order, marking a shipment delivered or
cancelling it (each after a page that says what will happen), the orders at risk of arriving
late, and the profit report; plus the order page's shipments and profit panels.

Reading needs `orders.view`; shipping, delivering and cancelling need `orders.manage`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.fulfilment.dashboard.forms import DateRangeForm, FulfilForm
from apps.fulfilment.enums import OPEN_FULFILMENT_STATUSES
from apps.fulfilment.errors import FulfilmentError, FulfilmentErrorCode
from apps.fulfilment.models import DeliveryRisk, Fulfilment
from apps.fulfilment.profit import order_profit, profit_report
from apps.fulfilment.risk import OPEN_STATUSES
from apps.fulfilment.selectors import fulfilments_for_order, remaining_quantities, submission_recorded
from apps.fulfilment.services import (
    FULFILLABLE_STATUSES,
    fulfilment_cancel,
    fulfilment_create,
    fulfilment_mark_delivered,
)
from apps.orders.dashboard.views.common import store_timezone
from apps.orders.models import Order
from apps.orders.transitions import PAID_STATUSES

PER_PAGE = 50


def _order_url(order: Order) -> str:
    return reverse("dashboard:orders:order_detail", kwargs={"order_number": order.number})


def _order_or_404(order_number: int) -> Order:
    order = Order.objects.filter(number=order_number).prefetch_related("lines").first()
    if order is None:
        raise Http404(_("No such order."))
    return order


def _fulfilment_or_404(fulfilment_id: int) -> Fulfilment:
    fulfilment = (
        Fulfilment.objects.filter(pk=fulfilment_id)
        .select_related("order")
        .prefetch_related("lines__order_line")
        .first()
    )
    if fulfilment is None:
        raise Http404(_("No such shipment."))
    return fulfilment


def _show_error(form: forms.Form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _fulfil_refusal(order: Order, remaining: dict[int, int]) -> str:
    if order.status not in FULFILLABLE_STATUSES:
        if order.status == "pending":
            return _("Order #%(number)s is not paid yet: it cannot ship.") % {"number": order.number}
        if order.status in ("cancelled", "refunded"):
            return _("Order #%(number)s is %(status)s: it cannot ship.") % {
                "number": order.number,
                "status": order.get_status_display().lower(),
            }
    if not any(remaining.values()):
        return _("Everything in order #%(number)s has shipped.") % {"number": order.number}
    return ""


# ------------------------------------------------------------------------------
# shipping an order
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ORDERS_VIEW, write=Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def fulfil_view(request: HttpRequest, order_number: int) -> HttpResponse:
    """Choose the items and quantities shipped, the carrier and the tracking number."""
    order = _order_or_404(order_number)
    if request.method == "POST" and submission_recorded(order, request.POST.get("token", "")):
        # The same form posted again (a double click, a reload) after everything it shipped.
        messages.info(request, _("This shipment was already recorded; nothing more was shipped."))
        return redirect(_order_url(order))
    lines = list(order.lines.all())
    remaining = remaining_quantities(order, lines)
    refusal = _fulfil_refusal(order, remaining)
    form = FulfilForm(request.POST if request.method == "POST" else None, lines=lines, remaining=remaining)
    status = 200
    if request.method == "POST":
        status = 400
        if refusal:
            form.add_error(None, refusal)
        elif form.is_valid():
            try:
                fulfilment = fulfilment_create(
                    order=order,
                    lines=form.chosen_lines(),
                    carrier=form.cleaned_data["carrier"],
                    carrier_name=form.cleaned_data.get("carrier_name", ""),
                    tracking_number=form.cleaned_data["tracking_number"],
                    tracking_url=form.cleaned_data.get("tracking_url") or "",
                    actor=request.user,  # type: ignore[arg-type]
                    submission_token=form.cleaned_data["token"],
                )
            except FulfilmentError as error:
                if error.code == FulfilmentErrorCode.ALREADY_RECORDED:
                    messages.info(request, error.message)
                    return redirect(_order_url(order))
                _show_error(form, error)
            else:
                messages.success(
                    request,
                    _("Shipped with %(carrier)s, tracking %(number)s.")
                    % {"carrier": fulfilment.carrier_name, "number": fulfilment.tracking_number},
                )
                return redirect(_order_url(order))
    context = {
        "order": order,
        "form": form,
        "refusal": refusal,
        "can_manage": user_has_permission(request.user, Perm.ORDERS_MANAGE),
    }
    return render(request, "fulfilment/dashboard/fulfil.html", context, status=status)


def _shipment_action(request: HttpRequest, fulfilment_id: int, *, action: str) -> HttpResponse:
    fulfilment = _fulfilment_or_404(fulfilment_id)
    order = fulfilment.order
    error = ""
    possible = fulfilment.status in OPEN_FULFILMENT_STATUSES
    if not possible:
        error = _("This shipment is %(status)s.") % {"status": fulfilment.get_status_display().lower()}
    status = 200
    if request.method == "POST":
        status = 400
        if possible:
            try:
                if action == "deliver":
                    fulfilment_mark_delivered(fulfilment=fulfilment, actor=request.user)  # type: ignore[arg-type]
                    done = _("Shipment %(number)s marked as delivered.")
                else:
                    fulfilment_cancel(fulfilment=fulfilment, actor=request.user)  # type: ignore[arg-type]
                    done = _("Shipment %(number)s cancelled.")
            except FulfilmentError as refusal:
                error = refusal.message
            else:
                messages.success(request, done % {"number": fulfilment.tracking_number})
                return redirect(_order_url(order))
    context = {
        "order": order,
        "fulfilment": fulfilment,
        "error": error,
        "possible": possible,
        "action": action,
    }
    return render(request, "fulfilment/dashboard/shipment_confirm.html", context, status=status)


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def fulfilment_deliver_view(request: HttpRequest, fulfilment_id: int) -> HttpResponse:
    return _shipment_action(request, fulfilment_id, action="deliver")


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def fulfilment_cancel_view(request: HttpRequest, fulfilment_id: int) -> HttpResponse:
    return _shipment_action(request, fulfilment_id, action="cancel")


# ------------------------------------------------------------------------------
# orders at risk of arriving late
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def at_risk_list(request: HttpRequest) -> HttpResponse:
    """Open orders whose estimated delivery is past the promise or whose parcel is in trouble,
    the latest first (two queries: the count and the page with its orders)."""
    risks = (
        DeliveryRisk.objects.filter(at_risk=True, order__status__in=OPEN_STATUSES)
        .select_related("order")
        .order_by("promised_delivery", "order__number")
    )
    page = Paginator(risks, PER_PAGE).get_page(request.GET.get("page"))
    with store_timezone():
        return render(
            request, "fulfilment/dashboard/at_risk.html", {"page": page, "risks": list(page.object_list)}
        )


# ------------------------------------------------------------------------------
# profit
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ANALYTICS_VIEW)  # revenue, costs and margins: staff see no sales figures
@require_GET
def profit_view(request: HttpRequest) -> HttpResponse:
    """Profit of the orders paid in a date range (default the last 30 days), totals and a page
    of orders; the same queries for 1 or 1000 orders."""
    with store_timezone() as zone:
        today = timezone.localdate()
        form = DateRangeForm(request.GET or None, today=today)
        status = 200 if not form.is_bound or form.is_valid() else 400
        start, end = form.range()
        report = profit_report(start=start, end=end, zone=zone)
        page = Paginator(report.rows, PER_PAGE).get_page(request.GET.get("page"))
        context = {"form": form, "report": report, "page": page, "rows": list(page.object_list)}
        return render(request, "fulfilment/dashboard/profit.html", context, status=status)


# ------------------------------------------------------------------------------
# the order page's panels (registered in FulfilmentConfig.ready)
# ------------------------------------------------------------------------------
def shipments_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order's shipments with their tracking, and the buttons to ship, deliver, cancel.
    Left out (no query) for an order that is not paid."""
    if order.status not in PAID_STATUSES:
        return None
    fulfilments = fulfilments_for_order(order)
    lines = list(order.lines.all())
    shipped: dict[int, int] = {}
    for fulfilment in fulfilments:
        if not fulfilment.is_cancelled:
            for line in fulfilment.lines.all():
                shipped[line.order_line_id] = shipped.get(line.order_line_id, 0) + line.quantity
    left = sum(max(0, line.quantity - shipped.get(line.pk, 0)) for line in lines)
    manage = user_has_permission(request.user, Perm.ORDERS_MANAGE)
    return {
        "fulfilments": fulfilments,
        "units_left": left,
        "can_fulfil": manage and order.status in FULFILLABLE_STATUSES and left > 0,
        "can_manage": manage,
        "open_statuses": OPEN_FULFILMENT_STATUSES,
    }


def profit_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    profit = order_profit(order)
    if profit is None:
        return None
    return {"profit": profit}
