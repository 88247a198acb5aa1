"""The shopper's invoices: the section on their account's order page, the download from there,
and the download behind the order's signed status link (how a guest gets theirs).

The account download checks the order is the signed-in shopper's (`order_for_shopper`) and the
document belongs to that order; the status-link download checks the link's signature (it names
the order and the store) in the same way the status page does. Anything else answers 404, the
same as an id that never existed. The PDF comes from private storage, streamed with no-store
headers (or a pre-signed URL of the private bucket valid for a minute on S3).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from storages.backends.s3 import S3Storage

from apps.core.permissions import no_permission_required
from apps.invoices.models import Invoice
from apps.invoices.selectors import invoice_by_uuid, invoices_for_order
from apps.invoices.services import invoice_pdf_ensure
from apps.orders.links import order_uuid_from_status_token
from apps.orders.models import Order
from apps.orders.selectors import order_for_shopper
from apps.storefront.views.account import WHY, _shopper, shopper_required
from apps.storefront.views.orders import WHY_SIGNED


def order_section_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The account order page's "Invoices" section (one query), or None before payment."""
    if order.paid_at is None:
        return None
    invoices = invoices_for_order(order)
    if not invoices:
        return None
    return {
        "invoices": [
            (
                invoice,
                reverse(
                    "storefront:invoice_download",
                    kwargs={"order_uuid": order.uuid, "invoice_uuid": invoice.uuid},
                ),
            )
            for invoice in invoices
        ]
    }


def invoice_file_response(invoice: Invoice) -> HttpResponseBase:
    """The document's PDF as an attachment, for a reader already known to be allowed."""
    invoice_pdf_ensure(invoice=invoice)
    storage = invoice.file.storage
    name = invoice.file.name or ""
    response: HttpResponseBase
    if isinstance(storage, S3Storage):
        if not storage.exists(name):
            raise Http404(_("This invoice does not exist."))
        response = HttpResponseRedirect(
            storage.url(
                name,
                parameters={
                    "ResponseContentDisposition": content_disposition_header(True, invoice.download_name),
                    "ResponseContentType": "application/pdf",
                    "ResponseCacheControl": "private, no-store",
                },
            )
        )
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise Http404(_("This invoice does not exist.")) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=invoice.download_name, content_type="application/pdf"
        )
    add_never_cache_headers(response)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@no_permission_required(WHY)
@never_cache
@require_GET
@shopper_required  # type: ignore[arg-type]  # a file response, where it expects HttpResponse
def invoice_download(request: HttpRequest, order_uuid: str, invoice_uuid: str) -> HttpResponseBase:
    order = order_for_shopper(user=_shopper(request), order_uuid=order_uuid)
    invoice = invoice_by_uuid(invoice_uuid, order=order) if order is not None else None
    if invoice is None:
        raise Http404(_("This invoice does not exist."))
    return invoice_file_response(invoice)


@no_permission_required(WHY_SIGNED)
@never_cache
@require_GET
def invoice_download_signed(request: HttpRequest, token: str, invoice_uuid: str) -> HttpResponseBase:
    order_uuid = order_uuid_from_status_token(token)
    order = Order.objects.filter(uuid=order_uuid).first() if order_uuid is not None else None
    invoice = invoice_by_uuid(invoice_uuid, order=order) if order is not None else None
    if invoice is None:
        raise Http404(_("This invoice does not exist."))
    return invoice_file_response(invoice)
