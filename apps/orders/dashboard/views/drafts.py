"""Draft orders: the list, making one for a customer, and deleting one nobody holds a link to.

A draft's page is the order's page (`order_detail_view`): its lines are changed there with the
order edit pages, its payment link is sent from there. Reading needs `orders.view`; making,
changing, sending and deleting need `orders.manage`.

Making a draft works without JavaScript: products are found with a search inside the form
("Search" posts the form back with what was typed so far, keeping the chosen quantities), and
"Create draft" makes it with the products that have a quantity.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.permissions import Perm, permission_required
from apps.customers.errors import CustomerInputInvalid
from apps.customers.services import AddressInput, address_clean
from apps.orders.dashboard.forms import ADDRESS_FIELDS, DraftForm, draft_lines, posted_quantities
from apps.orders.dashboard.queries import shipping_rate_choices, variant_search, variants_by_id
from apps.orders.dashboard.views.common import order_or_404, show_error, store_timezone
from apps.orders.drafts import draft_order_create, draft_order_delete
from apps.orders.enums import OrderOrigin, OrderStatus
from apps.orders.errors import OrderError
from apps.orders.selectors import OrderFilters, order_list
from apps.stores.selectors import store_settings_get

# Fields the draft service names, as the form calls them.
ERROR_ALIASES = {"value": "discount_value", "kind": "discount_kind", "lines": "__all__"}


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    page = order_list(
        filters=OrderFilters(origin=OrderOrigin.DRAFT, status=OrderStatus.PENDING),
        page=request.GET.get("page") or 1,
    )
    with store_timezone():
        return render(request, "orders/dashboard/draft_list.html", {"page": page})


def _address(form: DraftForm) -> dict[str, str] | None:
    """The shipping address typed, checked per country; None (and errors on the form) when
    it is not valid, {} when none was typed."""
    if not form.has_address():
        return {}
    data = form.cleaned_data
    try:
        value = {name: str(data.get(name) or "") for name in ADDRESS_FIELDS}
        return address_clean(
            AddressInput(
                name=value["name"],
                company=value["company"],
                line1=value["line1"],
                line2=value["line2"],
                postal_code=value["postal_code"],
                city=value["city"],
                region=value["region"],
                country=value["country"],
                phone=value["phone"],
            )
        )
    except CustomerInputInvalid as invalid:
        for problem in invalid.errors:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        return None


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def draft_create(request: HttpRequest) -> HttpResponse:
    rates = {rate.id: rate for rate in shipping_rate_choices()}
    creating = request.method == "POST" and request.POST.get("action") == "create"
    # A search posts the form back: what was typed is kept, but not judged yet.
    form = DraftForm(
        request.POST if creating else None,
        initial=request.POST.dict() if request.method == "POST" and not creating else None,
        rates=[(rate.id, rate.label) for rate in rates.values()],
        default_country=store_settings_get().country,
    )
    quantities, quantity_problems = posted_quantities(request.POST) if request.method == "POST" else ({}, [])
    query = " ".join(str(request.POST.get("q") or request.GET.get("q") or "").split())[:100]
    status = 200
    if creating:
        status = 400
        valid = form.is_valid()
        if not quantities and not quantity_problems:
            form.add_error(None, _("Add at least one product: search for it and give it a quantity."))
        address = _address(form) if valid else None
        if valid and address is not None and not form.errors and not quantity_problems:
            data = form.cleaned_data
            rate = rates.get(data["shipping_rate"]) if data.get("shipping_rate") else None
            try:
                order = draft_order_create(
                    email=data["email"],
                    lines=draft_lines(quantities),
                    actor=request.user,  # type: ignore[arg-type]
                    customer_name=data.get("customer_name") or "",
                    shipping_address=address or None,
                    shipping_name=rate.name if rate else data.get("shipping_name") or "",
                    shipping_amount=rate.amount if rate else data.get("shipping_amount") or 0,
                    discount=form.discount(),
                )
            except OrderError as error:
                show_error(form, error, aliases=ERROR_ALIASES)
            else:
                messages.success(
                    request,
                    _("Draft order #%(number)s created. Check it, then send the payment link.")
                    % {"number": order.number},
                )
                return redirect("dashboard:orders:order_detail", order_number=order.number)
    chosen = variants_by_id(quantities)
    context: dict[str, Any] = {
        "form": form,
        "query": query,
        "chosen": [(chosen[vid], qty) for vid, qty in quantities.items() if vid in chosen],
        "results": variant_search(query=query, exclude=quantities) if query else [],
        "quantity_problems": quantity_problems,
        "rates": list(rates.values()),
        "address_fields": [form[name] for name in ADDRESS_FIELDS],
    }
    return render(request, "orders/dashboard/draft_form.html", context, status=status)


@never_cache
@permission_required(Perm.ORDERS_MANAGE)
@require_http_methods(["GET", "POST"])
def draft_delete(request: HttpRequest, order_number: int) -> HttpResponse:
    order = order_or_404(order_number)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            number = draft_order_delete(order=order, actor=request.user)  # type: ignore[arg-type]
        except OrderError as refusal:
            error, status = refusal.message, 400
        else:
            messages.success(request, _("Draft order #%(number)s deleted.") % {"number": number})
            return redirect("dashboard:orders:draft_list")
    elif order.origin != OrderOrigin.DRAFT or order.status != OrderStatus.PENDING or order.draft_sent_at:
        error = _("Only a draft whose payment link was never sent can be deleted; cancel this one instead.")
    context = {"order": order, "error": error}
    return render(request, "orders/dashboard/draft_delete.html", context, status=status)
