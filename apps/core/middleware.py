"""Request id, health probes and pod-addressed metrics scrapes; all run before tenant routing."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.core.logging import request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy or makes one, and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs the response (4xx/5xx) after the middleware
        # chain returns; the id is cleared when the request finishes (apps.core.logging).
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _is_address(host: str) -> bool:
    """Whether a Host header names an IP address ("10.1.2.3:8000", "[fd00::1]:8000"), which no
    store can own."""
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class HealthCheckMiddleware:
    """Serves /healthz and /readyz on any host: probes address pods by IP. So does Prometheus,
    so /metrics is served here for a Host that is an IP address (elsewhere only on the platform
    host, through its URLconf; never on a store's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from apps.core import health

        if request.path == "/healthz":
            return health.healthz(request)
        if request.path == "/readyz":
            return health.readyz(request)
        if request.path == "/metrics" and _is_address(request.META.get("HTTP_HOST", "")):
            from apps.core.views import metrics

            return metrics(request)
        return self.get_response(request)
