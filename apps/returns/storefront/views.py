"""The shopper's return pages: asking to return items of an order from their account, and
downloading the return label staff sent. Only the signed-in shopper's own orders
(`order_for_shopper`) are found; anything else answers 404."""

from __future__ import annotations

import mimetypes
import uuid

from django.contrib import messages
from django.core.files.storage import Storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from storages.backends.s3 import S3Storage

from apps.core.errors import ApplicationError
from apps.core.permissions import no_permission_required
from apps.orders.models import Order
from apps.orders.selectors import order_for_shopper
from apps.returns.models import ReturnRequest
from apps.returns.selectors import return_settings_get, return_window, returnable_quantities
from apps.returns.services import MAX_PHOTOS, return_cancel, return_request_create
from apps.returns.storefront.forms import ReturnRequestForm
from apps.storefront.views.account import WHY, _shopper, shopper_required


def _order_or_404(request: HttpRequest, order_uuid: uuid.UUID) -> Order:
    order = order_for_shopper(user=_shopper(request), order_uuid=order_uuid)
    if order is None:
        raise Http404(_("This order does not exist."))
    return order


@no_permission_required(WHY)
@never_cache
@shopper_required
@require_http_methods(["GET", "POST"])
def return_request(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
    order = _order_or_404(request, order_uuid)
    lines = list(order.lines.all())
    returnable = returnable_quantities(order, lines)
    policy = return_settings_get()
    window = return_window(order, policy=policy)
    rows = [(line, returnable.get(line.pk, 0)) for line in lines if returnable.get(line.pk, 0) > 0]
    form = ReturnRequestForm(request.POST if request.method == "POST" else None, lines=rows)
    closed = not window.is_open(timezone.now())
    status = 200
    error = ""
    if request.method == "POST":
        status = 400
        photos = request.FILES.getlist("photos")
        if form.is_valid():
            try:
                sent = return_request_create(
                    order=order,
                    user=_shopper(request),
                    lines=form.chosen(),
                    reason=form.cleaned_data["reason"],
                    comment=form.cleaned_data.get("comment") or "",
                    photos=photos,
                    token=form.cleaned_data["token"],
                )
            except ApplicationError as refusal:
                if refusal.field and refusal.field in form.fields:
                    form.add_error(refusal.field, refusal.message)
                else:
                    error = refusal.message
            else:
                if sent.replayed:
                    messages.info(request, _("Your return request was already sent; it was not sent again."))
                else:
                    messages.success(
                        request, _("Your return request was sent. We will tell you what happens next.")
                    )
                return redirect("storefront:order_detail", order_uuid=order.uuid)
    context = {
        "order": order,
        "form": form,
        "error": error,
        "closed": closed,
        "window": window,
        "policy": policy,
        "max_photos": MAX_PHOTOS,
        "account_section": "orders",
    }
    return render(request, "returns/storefront/return_request.html", context, status=status)


def _label_response(storage: Storage, name: str, filename: str) -> HttpResponseBase:
    response: HttpResponseBase
    if isinstance(storage, S3Storage):
        response = HttpResponseRedirect(storage.url(name))
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise Http404("No such file.") from exc
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    add_never_cache_headers(response)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@no_permission_required(WHY)
@never_cache
@shopper_required  # type: ignore[arg-type]  # a file download is a (streaming) response too
@require_GET
def return_label(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponseBase:
    """The label of one of the shopper's own approved returns (404 for anyone else's)."""
    return_request = _own_return_or_404(request, return_uuid)
    if not return_request.label:
        raise Http404(_("This return has no label."))
    filename = (return_request.label_name or "return-label.pdf").replace("/", "_").replace("\\", "_")
    return _label_response(return_request.label.storage, str(return_request.label.name), filename)


def _own_return_or_404(request: HttpRequest, return_uuid: uuid.UUID) -> ReturnRequest:
    """One of the signed-in shopper's own return requests (404 for anyone else's)."""
    order_uuid = ReturnRequest.objects.filter(uuid=return_uuid).values_list("order__uuid", flat=True).first()
    if order_uuid is None:
        raise Http404(_("No such return."))
    order = _order_or_404(request, order_uuid)
    return ReturnRequest.objects.get(uuid=return_uuid, order=order)


@no_permission_required(WHY)
@never_cache
@shopper_required
@require_POST
def return_withdraw(request: HttpRequest, return_uuid: uuid.UUID) -> HttpResponse:
    """The shopper withdraws a request the store has not decided on yet."""
    return_request = _own_return_or_404(request, return_uuid)
    try:
        return_cancel(return_request=return_request, user=_shopper(request))
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your return request was withdrawn."))
    return redirect("storefront:order_detail", order_uuid=return_request.order.uuid)
