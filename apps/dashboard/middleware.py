"""The dashboard is read-only while the merchant's bill is unpaid (billing's grace period).

One middleware rather than a check in `permission_required`: it refuses every unsafe request
under /dashboard/ and the store's Wagtail admin (/cms/), including views that declare no permission, and apps.core (where the
decorator lives) must not depend on apps.billing. Shoppers' pages (storefront, cart,
checkout) and sign-out (/accounts/logout/) are outside /dashboard/ and never affected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.billing.selectors import StoreBillingState, store_billing_state
from apps.core.permissions import SAFE_METHODS
from apps.core.tenancy import current_tenant, in_store
from apps.tenants.models import Tenant

DASHBOARD_PREFIX = "/dashboard/"
# The store's blog and pages are edited in Wagtail's admin: read-only with the dashboard.
READ_ONLY_PREFIXES = (DASHBOARD_PREFIX, "/cms/")
READ_ONLY_TEMPLATE = "dashboard/read_only.html"


def dashboard_billing_state(request: HttpRequest) -> StoreBillingState | None:
    """The store's billing state on a dashboard request, else None."""
    if not request.path_info.startswith(READ_ONLY_PREFIXES) or not in_store():
        return None
    tenant = current_tenant()
    if not isinstance(tenant, Tenant):
        return None
    return store_billing_state(tenant)


class BillingReadOnlyMiddleware:
    """Answers 403, writing nothing, to a POST/PUT/PATCH/DELETE to the dashboard of a store whose
    merchant is past due (or whose grace has run out before the expiry job suspended it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (request.method or "GET").upper() not in SAFE_METHODS:
            billing = dashboard_billing_state(request)
            if billing is not None and billing.read_only:
                return self._refuse(request, billing)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, billing: StoreBillingState) -> HttpResponse:
        message = _("This store is read-only until the bill is paid: nothing was changed.")
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": {"code": "store_read_only", "message": message}}, status=403)
        return render(request, READ_ONLY_TEMPLATE, {"billing": billing, "message": message}, status=403)
