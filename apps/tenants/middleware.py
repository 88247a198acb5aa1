"""Chooses the schema and URLconf from the Host header; the only gate for hostnames."""

from __future__ import annotations

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django_tenants.middleware.main import TenantMainMiddleware

from apps.core.tenancy import tenant_connection
from apps.tenants.routing import tenant_for_host


class TenantRoutingMiddleware(TenantMainMiddleware):
    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        return request.get_host().split(":")[0].rstrip(".").lower()

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        tenant_connection().set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return render(request, "errors/unknown_host.html", status=404)
        tenant = tenant_for_host(hostname)
        if tenant is None:
            return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)
        if not (tenant.is_platform or tenant.is_serving):
            # Never route into a store that is not serving: no schema switch, no data. API
            # clients get the API's error envelope instead of the page.
            response: HttpResponse
            if request.path.startswith("/api/"):
                response = JsonResponse(
                    {
                        "data": None,
                        "error": {
                            "code": "store_unavailable",
                            "message": gettext("This store is not available right now."),
                            "params": {"status": str(tenant.status)},
                        },
                    },
                    status=503,
                )
            else:
                response = render(
                    request, "errors/store_unavailable.html", {"store_status": tenant.status}, status=503
                )
            response["Retry-After"] = "120"
            return response
        tenant.domain_url = hostname
        request.tenant = tenant  # type: ignore[attr-defined]
        tenant_connection().set_tenant(tenant)
        self.setup_url_routing(request)
        return None
