"""The dummy gateway's authentication page (the stand-in for a bank's 3-D Secure step).

A shopper who paid with the "authentication required" test card lands here from the checkout,
approves or fails the payment, and is sent back to the return URL the payment request carried.
It only ever finds payments of the store whose domain it is served on (the dummy payments live
in the store's schema), acts only through a CSRF-protected POST, and is gone when the platform
refuses test payments.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.permissions import no_permission_required
from apps.payments.enums import PaymentStatus
from apps.payments.selectors import dummy_gateway_allowed, dummy_payment_get
from apps.payments.services import dummy_authenticate

DECISIONS = {"approve": True, "fail": False}


def _return_to(request: HttpRequest, url: str) -> str:
    """The payment's return URL when it points back at this host; the store's home otherwise
    (the page never sends a shopper off-site)."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else "/"


@never_cache
@require_http_methods(["GET", "POST"])
@no_permission_required(
    "a shopper paying with a test card may be a guest; it finds only this store's dummy payments "
    "and changes one only by a CSRF-protected POST while it waits for authentication"
)
def dummy_authenticate_page(request: HttpRequest, external_id: str) -> HttpResponse:
    if not dummy_gateway_allowed():
        raise Http404(_("Test payments are switched off."))
    payment = dummy_payment_get(external_id=external_id)
    if payment is None:
        raise Http404(_("No such payment."))
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            return HttpResponseBadRequest(_("Choose Approve or Fail."))
        dummy_authenticate(external_id=payment.external_id, approve=DECISIONS[decision])
        return redirect(_return_to(request, payment.return_url))
    context = {
        "payment": payment,
        "waiting": payment.status == PaymentStatus.REQUIRES_ACTION,
        "return_url": _return_to(request, payment.return_url),
    }
    return render(request, "payments/dummy_authenticate.html", context)
