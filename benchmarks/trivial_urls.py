"""The one-view URLconf `bench_routing` points both ROOT_URLCONF and PUBLIC_SCHEMA_URLCONF at,
so the store host and the platform host run the same view and differ only in tenant routing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def trivial(request: HttpRequest) -> HttpResponse:
    # The schema the middleware routed to: lets the benchmark check each side was routed.
    return HttpResponse(request.tenant.schema_name, content_type="text/plain")  # type: ignore[attr-defined]


urlpatterns = [path("bench/", trivial, name="bench-trivial")]
