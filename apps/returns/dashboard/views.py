"""The returns pages of the dashboard: the returns list, a return's page with its photos, the
decisions (approve, refuse, mark received) and the refund page of an order.

Reading needs `orders.view`; deciding on a return needs `returns.manage`; refunding needs
`refunds.create` (finance may refund but not decide on returns). Each action has a page of its
own saying what it will do; a refusal from the service is shown next to its field.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import ApplicationError
from apps.core.files import private_file_response
from apps.core.money import money_display
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.orders.dashboard.views.common import order_or_404, posted, show_error, store_timezone
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderLine
from apps.returns.dashboard.forms import (
    ApproveForm,
    ReceiveForm,
    RefundForm,
    RefuseForm,
    ReturnFilterForm,
    ReturnSettingsForm,
)
from apps.returns.enums import RETURN_TRANSITIONS, ReturnStatus
from apps.returns.models import RefundRequest, ReturnRequest
from apps.returns.selectors import (
    lines_refund_amount,
    order_refund_requests,
    order_refundable,
    refunded_quantities,
    return_get,
    return_page,
    return_settings_get,
    return_window,
)
from apps.returns.services import (
    order_refund_issue,
    return_approve,
    return_receive,
    return_refuse,
    return_settings_update,
)


def _return_or_404(return_uuid: uuid.UUID) -> ReturnRequest:
    found = return_get(return_uuid=return_uuid)
    if found is None:
        raise Http404(_("No such return."))
    return found


def _detail_url(return_request: ReturnRequest) -> str:
    return reverse("dashboard:returns:return_detail", kwargs={"return_uuid": return_request.uuid})


def _may(request: HttpRequest, return_request: ReturnRequest, to: str) -> bool:
    return (
        user_has_permission(request.user, Perm.RETURNS_MANAGE)
        and to in RETURN_TRANSITIONS[return_request.status]
    )


# ------------------------------------------------------------------------------
# list and page
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    form = ReturnFilterForm(request.GET or None)
    status = form.status_value()
    with store_timezone():
        page = return_page(status=status, page=request.GET.get("page"))
        return render(
            request,
            "returns/dashboard/return_list.html",
            {"form": form, "filtered": bool(status), "page": page, "requests": list(page.object_list)},
        )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def return_detail(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponse:
    return_request = _return_or_404(return_uuid)
    with store_timezone():
        context = {
            "return": return_request,
            "order": return_request.order,
            "lines": list(return_request.lines.all()),
            "photos": list(return_request.photos.all()),
            "window": return_window(return_request.order),
            "can_approve": _may(request, return_request, ReturnStatus.APPROVED),
            "can_refuse": _may(request, return_request, ReturnStatus.REFUSED),
            "can_receive": _may(request, return_request, ReturnStatus.RECEIVED),
            "can_refund": user_has_permission(request.user, Perm.REFUNDS_CREATE)
            and ReturnStatus.REFUNDED in RETURN_TRANSITIONS[return_request.status],
        }
        return render(request, "returns/dashboard/return_detail.html", context)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def return_photo(request: HttpRequest, return_uuid: uuid.UUID, photo_id: int) -> HttpResponseBase:
    return_request = _return_or_404(return_uuid)
    photo = next((p for p in return_request.photos.all() if p.pk == photo_id), None)
    if photo is None:
        raise Http404(_("No such photo."))
    name = str(photo.image.name)
    return private_file_response(
        request, name=name, filename=name.rsplit("/", 1)[-1], permission=Perm.ORDERS_VIEW
    )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def return_label(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponseBase:
    return_request = _return_or_404(return_uuid)
    if not return_request.label:
        raise Http404(_("This return has no label file."))
    return private_file_response(
        request,
        name=str(return_request.label.name),
        filename=return_request.label_name or "return-label.pdf",
        permission=Perm.ORDERS_VIEW,
    )


# ------------------------------------------------------------------------------
# decisions
# ------------------------------------------------------------------------------
def _decision(
    request: HttpRequest,
    return_request: ReturnRequest,
    *,
    form: Any,
    action: str,
    template: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    allowed = action in RETURN_TRANSITIONS[return_request.status]
    if not allowed and not error:
        error = _("This return is %(status)s; this action no longer applies.") % {
            "status": return_request.get_status_display().lower()
        }
    context = {
        "return": return_request,
        "order": return_request.order,
        "lines": list(return_request.lines.all()),
        "form": form,
        "error": error,
        "allowed": allowed,
        **(extra or {}),
    }
    return render(request, template, context, status=status)


@never_cache
@permission_required(Perm.RETURNS_MANAGE)
@require_http_methods(["GET", "POST"])
def return_approve_view(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponse:
    return_request = _return_or_404(return_uuid)
    form = ApproveForm(
        posted(request), request.FILES or None, initial={"instructions": return_settings_get().instructions}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                return_approve(
                    return_request=return_request,
                    actor=request.user,  # type: ignore[arg-type]
                    instructions=form.cleaned_data["instructions"],
                    label=form.cleaned_data.get("label"),
                    label_url=form.cleaned_data.get("label_url") or "",
                    note=form.cleaned_data.get("note") or "",
                )
            except ApplicationError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Return approved; the shopper is told what to do next."))
                return redirect(_detail_url(return_request))
        return _decision(
            request,
            return_request,
            form=form,
            action=ReturnStatus.APPROVED,
            template="returns/dashboard/return_approve.html",
            status=400,
        )
    return _decision(
        request,
        return_request,
        form=form,
        action=ReturnStatus.APPROVED,
        template="returns/dashboard/return_approve.html",
    )


@never_cache
@permission_required(Perm.RETURNS_MANAGE)
@require_http_methods(["GET", "POST"])
def return_refuse_view(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponse:
    return_request = _return_or_404(return_uuid)
    form = RefuseForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return_refuse(
                    return_request=return_request,
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Return refused."))
                return redirect(_detail_url(return_request))
    return _decision(
        request,
        return_request,
        form=form,
        action=ReturnStatus.REFUSED,
        template="returns/dashboard/return_refuse.html",
        status=status,
    )


@never_cache
@permission_required(Perm.RETURNS_MANAGE)
@require_http_methods(["GET", "POST"])
def return_receive_view(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponse:
    return_request = _return_or_404(return_uuid)
    form = ReceiveForm(posted(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return_receive(
                    return_request=return_request,
                    actor=request.user,  # type: ignore[arg-type]
                    restock=form.cleaned_data.get("restock", False),
                )
            except ApplicationError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Return marked as received."))
                return redirect(_detail_url(return_request))
    return _decision(
        request,
        return_request,
        form=form,
        action=ReturnStatus.RECEIVED,
        template="returns/dashboard/return_receive.html",
        status=status,
    )


# ------------------------------------------------------------------------------
# the refund page
# ------------------------------------------------------------------------------
def _refund_lines(order: Order) -> list[tuple[OrderLine, int]]:
    refunded = refunded_quantities(order)
    lines = list(order.lines.all())
    for line in lines:
        # What one unit cost the shopper (after its discount, with its tax), for the page.
        line.unit_paid = lines_refund_amount(line, 1, order.currency)  # type: ignore[attr-defined]
    return [(line, line.quantity - refunded.get(line.pk, 0)) for line in lines]


def _prefill(order: Order, return_request: ReturnRequest | None) -> dict[str, Any]:
    if return_request is None:
        return {}
    initial: dict[str, Any] = {
        f"quantity_{line.order_line_id}": line.quantity for line in return_request.lines.all()
    }
    initial["reason"] = _("Return of %(date)s: %(reason)s") % {
        "date": return_request.created_at.date().isoformat(),
        "reason": return_request.get_reason_display(),
    }
    # Goods marked received were put back in stock then, or deliberately not: do not offer it again.
    initial["restock"] = return_request.status != ReturnStatus.RECEIVED
    return initial


def _already_refunded(order: Order, token: str) -> RefundRequest | None:
    try:
        parsed = uuid.UUID(token)
    except ValueError:
        return None
    return RefundRequest.objects.filter(order=order, token=parsed).first()


@never_cache
@permission_required(Perm.ORDERS_VIEW, write=Perm.REFUNDS_CREATE)
@require_http_methods(["GET", "POST"])
def order_refund_view(request: HttpRequest, order_number: int) -> HttpResponse:
    """Refund lines, shipping or an amount of the order, through its payment methods or as
    store credit (`?return=<uuid>` prefills the returned lines)."""
    order = order_or_404(order_number)
    return_request: ReturnRequest | None = None
    wanted = request.GET.get("return") or request.POST.get("return") or ""
    if wanted:
        return_request = return_get(return_uuid=wanted)
        if return_request is None or return_request.order_id != order.pk:
            raise Http404(_("No such return."))
    if request.method == "POST":
        replayed = _already_refunded(order, request.POST.get("token", ""))
        if replayed is not None:
            # The same form posted again (a double click, a reload): the refund happened once.
            messages.info(request, _("This refund was already made; nothing more was refunded."))
            return redirect("dashboard:orders:order_detail", order_number=order.number)
    lines = _refund_lines(order)
    refundable = order_refundable(order)
    form = RefundForm(
        posted(request),
        lines=lines,
        initial=_prefill(order, return_request),
        offers_store_credit=order.user_id is not None,
        offers_gift_card=refundable.gift_cards > 0,
    )
    status = 200
    error = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                refund = order_refund_issue(
                    order_id=order.pk,
                    data=form.to_input(return_request_id=return_request.pk if return_request else None),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ApplicationError as refusal:
                if (
                    isinstance(refusal, OrderError)
                    or refusal.field is None
                    or (refusal.field == "store_credit" and not form.offers_store_credit)
                    or (refusal.field == "gift_card" and not form.offers_gift_card)
                ):
                    error = refusal.message  # not about a field the page shows: above the form
                else:
                    show_error(form, refusal)
            else:
                if refund.replayed:
                    messages.info(request, _("This refund was already made; nothing more was refunded."))
                elif refund.store_credit:
                    messages.success(
                        request,
                        _("%(amount)s given as store credit.")
                        % {"amount": money_display(refund.amount, refund.currency)},
                    )
                elif refund.gift_card:
                    messages.success(
                        request,
                        _("%(amount)s put back on the gift cards.")
                        % {"amount": money_display(refund.amount, refund.currency)},
                    )
                else:
                    messages.success(
                        request,
                        _("%(amount)s refunded.") % {"amount": money_display(refund.amount, refund.currency)},
                    )
                return redirect("dashboard:orders:order_detail", order_number=order.number)
    with store_timezone():
        context = {
            "order": order,
            "form": form,
            "error": error,
            # Read again after a refused post: nothing was written, but a refund may have run alongside.
            "refundable": order_refundable(order) if request.method == "POST" else refundable,
            "return": return_request,
            "history": order_refund_requests(order),
            "may_refund": user_has_permission(request.user, Perm.REFUNDS_CREATE),
        }
        return render(request, "returns/dashboard/refund.html", context, status=status)


# ------------------------------------------------------------------------------
# settings
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.ORDERS_VIEW, write=Perm.RETURNS_MANAGE)
@require_http_methods(["GET", "POST"])
def return_settings_view(request: HttpRequest) -> HttpResponse:
    current = return_settings_get()
    form = ReturnSettingsForm(posted(request), instance=current)
    may_edit = user_has_permission(request.user, Perm.RETURNS_MANAGE)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return_settings_update(
                    window_days=form.cleaned_data["window_days"],
                    photos_required=form.cleaned_data["photos_required"],
                    instructions=form.cleaned_data["instructions"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Return settings saved."))
                return redirect("dashboard:returns:return_settings")
    return render(
        request,
        "returns/dashboard/settings.html",
        {"form": form, "may_edit": may_edit},
        status=status,
    )
