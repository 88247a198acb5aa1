"""Puts the request into the audit context for the pages where merchants change things."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.audit.context import audit_request_reset, audit_request_set

# On a store's domain: its dashboard and its API; the storefront's shoppers are not audited.
STORE_AUDITED_PREFIXES = ("/dashboard/", "/api/")
# On the platform's domain everything is the console or the admin, but the payment providers'
# webhooks, which change things on the system's behalf.
PLATFORM_UNAUDITED_PREFIXES = ("/stripe/", "/billing/stripe/")


class AuditContextMiddleware:
    """Runs after authentication; the actor itself is read when a change is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._audited(request):
            return self.get_response(request)
        token = audit_request_set(request)
        try:
            return self.get_response(request)
        finally:
            audit_request_reset(token)

    @staticmethod
    def _audited(request: HttpRequest) -> bool:
        tenant = getattr(request, "tenant", None)
        path = request.path_info
        if tenant is None or getattr(tenant, "schema_name", "public") == "public":
            return not path.startswith(PLATFORM_UNAUDITED_PREFIXES)
        return path.startswith(STORE_AUDITED_PREFIXES)
