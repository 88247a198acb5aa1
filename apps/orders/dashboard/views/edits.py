"""Editing an order nothing of which has shipped (a draft, a pending or a paid order): add or
remove lines, change quantities, give or take away a discount, change the shipping.

Every change is previewed first: the edit page posts one change to the preview page, which
shows the lines and totals it would give and what the customer would then be charged (a
payment link) or refunded, and posts the same change back with `confirm` to make it through
the `apps.orders.edits` services. The confirmation carries the total the preview showed; if
the order changed meanwhile, the new preview is shown again instead of making the change.

Both pages need `orders.manage`; confirming a change that refunds money needs
`refunds.create` as well.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core.money import money_format, money_quantize
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.orders import edits as order_edits
from apps.orders.dashboard.forms import EditForm
from apps.orders.dashboard.queries import order_tax_percent, plain_decimal, variant_search
from apps.orders.dashboard.views.common import (
    forbidden,
    order_or_404,
    payment_link_remember,
    show_error,
    store_timezone,
)
from apps.orders.edits import EditPreview, EditResult, Settlement, order_edit_refusal
from apps.orders.errors import OrderError
from apps.orders.models import Order

ERROR_ALIASES = {"kind": "discount_kind", "value": "discount_value", "amount": "shipping_amount"}


def _edit_page(
    request: HttpRequest, order: Order, *, form: EditForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    query = " ".join(str(request.GET.get("q") or "").split())[:100]
    manual = next((d for d in order.discounts.all() if d.is_manual), None)
    refusal = order_edit_refusal(order)
    context: dict[str, Any] = {
        "order": order,
        "lines": list(order.lines.all()),
        "discounts": list(order.discounts.all()),
        "manual_discount": manual,
        "query": query,
        "results": variant_search(query=query) if query and refusal is None else [],
        "form": form,
        "error": error or (refusal.message if refusal else ""),
        "editable": refusal is None,
        "tax_percent": order_tax_percent(order),
        # as the inputs show them: 5.000 stored -> 5.00 EUR; a discount of 10.000 -> 10
        "shipping_price": money_quantize(order.shipping_price, order.currency),
        "discount_value": plain_decimal(manual.value) if manual else "",
    }
    return render(request, "orders/dashboard/order_edit.html", context, status=status)


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_GET
def order_edit(request: HttpRequest, order_number: int) -> HttpResponse:
    return _edit_page(request, order_or_404(order_number))


def _money(amount: Decimal, currency: str) -> str:
    return money_format(amount, currency, to_locale(get_language() or "en"))


def _outcome(order: Order, result: EditResult) -> str:
    """What the success message says happened to the money."""
    if result.payment_link:
        owed = result.balance_payment.amount if result.balance_payment else order.balance_due
        return _(
            "Order #%(number)s changed. The customer owes %(amount)s: send them the payment link below."
        ) % {"number": order.number, "amount": _money(owed, order.currency)}
    refunded = sum((refund.amount for refund in result.refunds), Decimal(0))
    if refunded:
        return _("Order #%(number)s changed; %(amount)s was refunded.") % {
            "number": order.number,
            "amount": _money(refunded, order.currency),
        }
    return _("Order #%(number)s changed.") % {"number": order.number}


def _preview_page(
    request: HttpRequest, preview: EditPreview, form: EditForm, *, warning: str = "", status: int = 200
) -> HttpResponse:
    can_refund = user_has_permission(request.user, Perm.REFUNDS_CREATE)
    context = {
        "order": preview.order,
        "preview": preview,
        "form": form,
        "fields": {name: value for name, value in form.cleaned_data.items() if value not in (None, "")},
        "warning": warning,
        "Settlement": Settlement,
        "needs_refund_permission": preview.settlement == Settlement.REFUND and not can_refund,
    }
    with store_timezone():
        return render(request, "orders/dashboard/order_edit_preview.html", context, status=status)


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_POST
def order_edit_preview(request: HttpRequest, order_number: int) -> HttpResponse:
    order = order_or_404(order_number)
    form = EditForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, order, form=form, error=_("Check the change and try again."), status=400)
    change = form.to_change()
    try:
        preview = order_edits.order_edit_preview(order=order, change=change)
    except OrderError as error:
        show_error(form, error, aliases=ERROR_ALIASES)
        return _edit_page(request, order, form=form, error=error.message, status=400)
    if not request.POST.get("confirm"):
        return _preview_page(request, preview, form)
    if preview.settlement == Settlement.REFUND and not user_has_permission(request.user, Perm.REFUNDS_CREATE):
        return forbidden(request, Perm.REFUNDS_CREATE)
    if form.cleaned_data.get("expected_total") != preview.new_total:
        warning = _("The order changed since this preview was made; check the new figures and confirm again.")
        return _preview_page(request, preview, form, warning=warning, status=409)
    try:
        result = order_edits.order_edit_apply(order=order, change=change, actor=request.user)  # type: ignore[arg-type]
    except OrderError as error:
        return _preview_page(request, preview, form, warning=error.message, status=400)
    if result.payment_link:
        payment_link_remember(request, order=order, url=result.payment_link)
    messages.success(request, _outcome(order, result))
    return redirect("dashboard:orders:order_detail", order_number=order.number)
