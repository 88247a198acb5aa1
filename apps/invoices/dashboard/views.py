"""The dashboard's invoices: the list of invoices and credit notes (filter by type and date),
downloading one, the panel on an order's page, and the numbering settings.

Reading and downloading need `orders.view` (finance reads them too); the settings need
`settings.manage`. There is no way to change or regenerate an issued document: a mistake is
corrected with a credit note, as the law of most countries asks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.files import private_file_response
from apps.core.permissions import Perm, permission_required
from apps.invoices.dashboard.forms import InvoiceFilterForm, InvoiceSettingsForm
from apps.invoices.errors import InvoiceError
from apps.invoices.selectors import invoice_by_uuid, invoice_page, invoice_settings_get, invoices_for_order
from apps.invoices.services import invoice_pdf_ensure, invoice_settings_update
from apps.orders.dashboard.views.common import store_timezone
from apps.orders.models import Order


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.to_filters()
    with store_timezone() as zone:
        page = invoice_page(filters=filters, zone=zone, page=request.GET.get("page"))
        return render(
            request,
            "invoices/dashboard/invoice_list.html",
            {"form": form, "filtered": filters.active, "page": page},
        )


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def invoice_download(request: HttpRequest, invoice_uuid: str) -> HttpResponseBase:
    """The document's PDF as an attachment (another store's or an unknown id: 404)."""
    invoice = invoice_by_uuid(invoice_uuid)
    if invoice is None:
        raise Http404(_("This invoice does not exist."))
    invoice_pdf_ensure(invoice=invoice)
    return private_file_response(
        request, name=invoice.file.name or "", filename=invoice.download_name, permission=Perm.ORDERS_VIEW
    )


@never_cache
@permission_required(Perm.SETTINGS_MANAGE)
@require_http_methods(["GET", "POST"])
def invoice_settings(request: HttpRequest) -> HttpResponse:
    current = invoice_settings_get()
    form = InvoiceSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invoice_settings_update(**{name: form.cleaned_data[name] for name in form.Meta.fields})
            except InvoiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, _("Invoice settings saved. New invoices use them; issued ones stay as they are.")
                )
                return redirect("dashboard:invoices:invoice_settings")
    return render(request, "invoices/dashboard/invoice_settings.html", {"form": form}, status=status)


def order_panel_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order page's "Invoices" panel: its invoice and credit notes (one query); left out
    for an order that was never paid."""
    if order.paid_at is None:
        return None
    return {"invoices": invoices_for_order(order)}
