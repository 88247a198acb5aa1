"""The fraud review pages: the review queue, approving or cancelling a held order (each after a
confirmation page), and the store's fraud settings.

Reading needs orders.view; deciding needs fraud.review (and refunds.create when cancelling gives
money back, as the orders pages ask); the settings are read with settings.view and changed with
settings.manage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import ApplicationError
from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm, permission_required, user_has_permission
from apps.fraud.dashboard.forms import CancelForm, FraudSettingsForm
from apps.fraud.enums import RiskLevel
from apps.fraud.models import RiskAssessment
from apps.fraud.selectors import QueueFilter, fraud_settings_get, risk_review_queue
from apps.fraud.services import fraud_settings_update, order_risk_approve, order_risk_cancel
from apps.fraud.signals import signals_explained
from apps.orders.enums import OrderStatus
from apps.orders.models import Order

QUEUE_PER_PAGE = 25


@dataclass(frozen=True)
class QueueRow:
    assessment: RiskAssessment
    order: Order
    signals: list[dict[str, Any]]


def _assessment_or_404(order_number: int) -> RiskAssessment:
    """The assessment of this store's order `order_number` (404 when the store has no such
    order, or it was never assessed)."""
    found = (
        RiskAssessment.objects.select_related("order", "decided_by")
        .filter(order__number=order_number)
        .first()
    )
    if found is None:
        raise Http404(_("No risk assessment for this order."))
    return found


def _order_url(order: Order) -> str:
    return reverse("dashboard:orders:order_detail", kwargs={"order_number": order.number})


def _next_url(request: HttpRequest, order: Order) -> str:
    """Back to where the reviewer came from: the queue, or the order's page."""
    if request.POST.get("next") == "queue" or request.GET.get("next") == "queue":
        return reverse("dashboard:fraud:queue")
    return _order_url(order)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Held orders first, then recent medium and high risk ones; three queries per page (count,
    page rows with their orders and reviewers, the settings row)."""
    which = request.GET.get("show", QueueFilter.OPEN)
    if which not in QueueFilter.choices:
        which = QueueFilter.OPEN
    page = Paginator(risk_review_queue(which=which), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        QueueRow(assessment=a, order=a.order, signals=signals_explained(list(a.signals)))
        for a in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "which": which,
        "filters": [
            (QueueFilter.OPEN, _("To review")),
            (QueueFilter.HELD, _("Held")),
            (QueueFilter.ALL, _("All medium and high")),
        ],
        "may_decide": user_has_permission(request.user, Perm.FRAUD_REVIEW),
        "settings": fraud_settings_get(),
        "Level": RiskLevel,
    }
    return render(request, "fraud/dashboard/queue.html", context)


def _refusal(assessment: RiskAssessment) -> str:
    if assessment.decision:
        return _("This order was already reviewed.")
    if assessment.order.status == OrderStatus.CANCELLED:
        return _("This order is already cancelled.")
    return ""


@never_cache
@permission_required(Perm.FRAUD_REVIEW)
@require_http_methods(["GET", "POST"])
def risk_approve(request: HttpRequest, order_number: int) -> HttpResponse:
    """Release the order after a confirmation page."""
    assessment = _assessment_or_404(order_number)
    order = assessment.order
    error = _refusal(assessment)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            order_risk_approve(order=order, actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("Order #%(number)s was approved.") % {"number": order.number})
            return redirect(_next_url(request, order))
    context = {
        "assessment": assessment,
        "order": order,
        "signals": signals_explained(list(assessment.signals)),
        "error": error,
        "next": request.GET.get("next") or request.POST.get("next", ""),
    }
    return render(request, "fraud/dashboard/approve.html", context, status=status)


@never_cache
@permission_required(Perm.FRAUD_REVIEW)
@require_http_methods(["GET", "POST"])
def risk_cancel(request: HttpRequest, order_number: int) -> HttpResponse:
    """Cancel the order (refunding what was paid) after a confirmation page."""
    assessment = _assessment_or_404(order_number)
    order = assessment.order
    refunds = order.cancel_refund > 0
    if refunds and not user_has_permission(request.user, Perm.REFUNDS_CREATE):
        return render(request, FORBIDDEN_TEMPLATE, {"permission": Perm.REFUNDS_CREATE}, status=403)
    form = CancelForm(request.POST if request.method == "POST" else None)
    error = _refusal(assessment)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                order_risk_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
            except ApplicationError as refusal:
                error = refusal.message
            else:
                messages.success(request, _("Order #%(number)s was cancelled.") % {"number": order.number})
                return redirect(_next_url(request, order))
    context = {
        "assessment": assessment,
        "order": order,
        "form": form,
        "signals": signals_explained(list(assessment.signals)),
        "error": error,
        "refund_amount": order.cancel_refund if refunds else None,
        "next": request.GET.get("next") or request.POST.get("next", ""),
    }
    return render(request, "fraud/dashboard/cancel.html", context, status=status)


@never_cache
@permission_required(Perm.SETTINGS_VIEW, write=Perm.SETTINGS_MANAGE)
@require_http_methods(["GET", "POST"])
def fraud_settings(request: HttpRequest) -> HttpResponse:
    current = fraud_settings_get()
    can_manage = user_has_permission(request.user, Perm.SETTINGS_MANAGE)
    form = FraudSettingsForm(
        request.POST if request.method == "POST" else None, initial=FraudSettingsForm.initial_for(current)
    )
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                fraud_settings_update(**form.cleaned_data)
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The fraud settings were saved."))
                return redirect("dashboard:fraud:settings")
    return render(
        request,
        "fraud/dashboard/settings.html",
        {"form": form, "can_manage": can_manage},
        status=status,
    )
