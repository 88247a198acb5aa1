"""Privacy pages of the dashboard, mounted at /dashboard/privacy/; every one needs
`privacy.manage` (owners and admins), to read as to change.

- Retention settings: each registered data kind with its default, bounds and the store's days;
  a value out of bounds or not a number is shown next to its field and nothing is saved.
- Data requests: who exported or erased which customer, and when (paginated).
- A customer's data: the JSON download of everything held about them (recorded as a data
  request), and their erasure, which asks first on a page that says what will happen and wants
  the customer's email typed again. Reached from the customer's page (a page slot).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.permissions import Perm, permission_required
from apps.customers.models import Customer
from apps.customers.selectors import customer_get
from apps.privacy.dashboard.forms import EraseForm, RetentionForm
from apps.privacy.errors import ErasureRefused, RetentionInvalid
from apps.privacy.selectors import (
    DATA_REQUEST_PAGE_SIZE,
    customer_erasure_blockers,
    customer_erasure_get,
    data_request_list,
    retention_rows,
)
from apps.privacy.services import customer_erase as customer_erase_service
from apps.privacy.services import customer_export_record, retention_settings_save


def customer_panel_context(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    """The customer page's "Data and privacy" panel (links only: no query)."""
    return {}


def _customer_or_404(customer_uuid: uuid.UUID) -> Customer:
    customer = customer_get(customer_uuid=customer_uuid)
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


@never_cache
@permission_required(Perm.PRIVACY_MANAGE)
def retention(request: HttpRequest) -> HttpResponse:
    rows = retention_rows()
    form = RetentionForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST":
        if form.is_valid():
            try:
                retention_settings_save(values=form.cleaned_data, actor=request.user)  # type: ignore[arg-type]
            except RetentionInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Retention settings saved."))
                return redirect("dashboard:privacy:retention")
        return render(request, "privacy/dashboard/retention.html", {"form": form, "rows": rows}, status=400)
    return render(request, "privacy/dashboard/retention.html", {"form": form, "rows": rows})


@never_cache
@permission_required(Perm.PRIVACY_MANAGE)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(data_request_list(), DATA_REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "privacy/dashboard/request_list.html", {"page": page, "data_requests": page.object_list}
    )


@never_cache
@permission_required(Perm.PRIVACY_MANAGE)
@require_GET
def customer_export(request: HttpRequest, customer_uuid: uuid.UUID) -> HttpResponse:
    customer = _customer_or_404(customer_uuid)
    data = customer_export_record(customer=customer, actor=request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.uuid}.json"'
    return response


@never_cache
@permission_required(Perm.PRIVACY_MANAGE)
def customer_erase(request: HttpRequest, customer_uuid: uuid.UUID) -> HttpResponse:
    customer = _customer_or_404(customer_uuid)
    form = EraseForm(request.POST if request.method == "POST" else None, email=customer.email)
    refusal = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                customer_erase_service(customer=customer, actor=request.user)  # type: ignore[arg-type]
            except ErasureRefused as error:
                refusal = error.message
            else:
                messages.success(request, _("The customer's personal data was erased."))
                return redirect("dashboard:customers:customer_detail", customer_uuid=customer.uuid)
        return _erase_page(request, customer=customer, form=form, refusal=refusal, status=400)
    return _erase_page(request, customer=customer, form=form)


def _erase_page(
    request: HttpRequest, *, customer: Customer, form: EraseForm, refusal: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "customer": customer,
        "form": form,
        "refusal": refusal,
        "blockers": customer_erasure_blockers(customer=customer),
        "erasure": customer_erasure_get(customer=customer),
    }
    return render(request, "privacy/dashboard/erase_confirm.html", context, status=status)
