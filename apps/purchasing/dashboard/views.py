"""Purchase order pages of the store dashboard, mounted at /dashboard/purchase-orders/: the list
(filtered by status), the "needs attention" queue, one purchase order with its lines, costs,
attempts and errors, the staff actions (approve, retry, mark placed by hand, cancel) and the
purchasing settings.

Reading needs `orders.view`; acting needs `purchase_orders.manage`; the settings need
`settings.manage`. Each view validates a form, calls one service or selector, and renders; a
refused action is shown as a message, nothing half-done.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.purchasing import selectors
from apps.purchasing.dashboard.forms import MarkPlacedForm, PurchaseOrderFilterForm, PurchasingSettingsForm
from apps.purchasing.errors import purchase_order_error_message
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from apps.purchasing.services import (
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_mark_placed,
    purchase_order_retry,
    purchasing_settings_update,
)
from apps.purchasing.transitions import OPEN_STATUSES

PAGE_SIZE = 25
S = PurchaseOrderStatus


def _po_or_404(purchase_order_id: int) -> PurchaseOrder:
    po = selectors.purchase_order_detail(purchase_order_id)
    if po is None:
        raise Http404(_("No such supplier order."))
    return po


def _detail_url(po: PurchaseOrder) -> str:
    return reverse("dashboard:purchasing:detail", kwargs={"purchase_order_id": po.pk})


@never_cache
@permission_required(Perm.ORDERS_VIEW)
def po_list(request: HttpRequest) -> HttpResponse:
    form = PurchaseOrderFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.purchase_order_list(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "purchasing/dashboard/po_list.html",
        {"page": page, "form": form, "status": status, "counts": selectors.purchase_order_counts()},
    )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
def attention_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.purchase_order_list(
        status_in=(S.NEEDS_ATTENTION, S.AWAITING_APPROVAL, S.TO_PLACE_MANUALLY)
    ).order_by("created_at", "id")
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    for po in page.object_list:
        po.reason = purchase_order_error_message(po.last_error_code, po.last_error_params)  # type: ignore[attr-defined]
    return render(
        request,
        "purchasing/dashboard/attention.html",
        {"page": page, "may_act": user_has_permission(request.user, Perm.PURCHASE_ORDERS_MANAGE)},
    )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
def po_detail(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    po = _po_or_404(purchase_order_id)
    may_act = user_has_permission(request.user, Perm.PURCHASE_ORDERS_MANAGE)
    return render(
        request,
        "purchasing/dashboard/po_detail.html",
        {
            "po": po,
            "lines": list(po.lines.all()),
            "shipments": list(po.shipments.all()),
            "reason": purchase_order_error_message(po.last_error_code, po.last_error_params),
            "may_act": may_act,
            "may_approve": may_act and po.status == S.AWAITING_APPROVAL,
            "may_retry": may_act and po.status == S.NEEDS_ATTENTION,
            "may_mark_placed": may_act and po.status in (S.TO_PLACE_MANUALLY, S.NEEDS_ATTENTION, S.FAILED),
            "may_cancel": may_act and (po.status in OPEN_STATUSES or po.status == S.PLACED),
        },
    )


def _act(request: HttpRequest, po: PurchaseOrder, action: Any, done: str) -> HttpResponse:
    try:
        action(purchase_order_id=po.pk, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_detail_url(po))


@permission_required(Perm.PURCHASE_ORDERS_MANAGE)
@require_http_methods(["POST"])
def po_approve(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    po = _po_or_404(purchase_order_id)
    return _act(request, po, purchase_order_approve, _("Supplier order approved."))


@permission_required(Perm.PURCHASE_ORDERS_MANAGE)
@require_http_methods(["POST"])
def po_retry(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    po = _po_or_404(purchase_order_id)
    return _act(request, po, purchase_order_retry, _("The supplier order will be sent again."))


@never_cache
@permission_required(Perm.PURCHASE_ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def po_cancel(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    po = _po_or_404(purchase_order_id)
    if request.method == "POST":
        return _act(request, po, purchase_order_cancel, _("Supplier order cancelled."))
    consequences = [
        _("Nothing more is sent to %(supplier)s for this order.") % {"supplier": po.supplier.name}
    ]
    if po.status == S.PLACED:
        consequences.append(
            _("It is already placed (%(id)s): cancel it with the supplier yourself first.")
            % {"id": po.supplier_order_id}
        )
    return render(
        request,
        "purchasing/dashboard/confirm.html",
        {
            "heading": _("Cancel supplier order %(ref)s?") % {"ref": po.reference},
            "consequences": consequences,
            "confirm_label": _("Cancel supplier order"),
            "cancel_url": _detail_url(po),
        },
    )


@never_cache
@permission_required(Perm.PURCHASE_ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def po_mark_placed(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    po = _po_or_404(purchase_order_id)
    form = MarkPlacedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purchase_order_mark_placed(
                purchase_order_id=po.pk,
                supplier_order_id=form.cleaned_data["supplier_order_id"],
                cost=form.cleaned_data.get("cost"),
                shipping_cost=form.cleaned_data.get("shipping_cost"),
                actor=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Supplier order marked placed."))
            return redirect(_detail_url(po))
    return render(request, "purchasing/dashboard/mark_placed.html", {"po": po, "form": form})


@never_cache
@permission_required(Perm.SETTINGS_MANAGE)
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.purchasing_settings_get()
    form = PurchasingSettingsForm.for_settings(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purchasing_settings_update(
                mode=form.cleaned_data["mode"],
                max_attempts=form.cleaned_data["max_attempts"],
                max_lead_time_days=form.cleaned_data.get("max_lead_time_days"),
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Purchasing settings saved."))
            return redirect("dashboard:purchasing:settings")
    return render(request, "purchasing/dashboard/settings.html", {"form": form})
