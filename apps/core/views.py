"""Error pages and local media serving, shared by the platform and store URLconfs; the metrics
endpoint of the platform host."""

from __future__ import annotations

import hmac
import mimetypes

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from apps.core import metrics as core_metrics
from apps.core.files import media_file_path
from apps.core.permissions import no_permission_required


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


@no_permission_required("a store's public media (product images); local storage in development and tests")
def media_serve(request: HttpRequest, schema: str, path: str) -> HttpResponseBase:
    """Serves local media (development storage) of the current store only.

    `apps.core.files.media_file_path` refuses every path that leaves `MEDIA_ROOT/<schema>/`
    (400 for a malformed or climbing path, 404 for another store's prefix or a missing file).
    """
    fullpath = media_file_path(schema=schema, path=path)
    stat = fullpath.stat()
    if not was_modified_since(request.headers.get("If-Modified-Since"), stat.st_mtime):
        return HttpResponseNotModified()
    content_type, encoding = mimetypes.guess_type(fullpath.name)
    response = FileResponse(fullpath.open("rb"), content_type=content_type or "application/octet-stream")
    response.headers["Last-Modified"] = http_date(stat.st_mtime)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Media shares the dashboard's origin here: an uploaded SVG or HTML file must not run script.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@no_permission_required("Prometheus scrapes it; METRICS_TOKEN, sent as a bearer token, is the credential")
@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition (apps.core.metrics): on the platform host (config/urls_public.py)
    and on a pod's own address (apps.core.middleware.HealthCheckMiddleware), never on a store's.

    With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` is answered (401
    otherwise). Without one it is open (development), unless METRICS_REQUIRE_TOKEN says a token
    is needed (production settings): then it is not served at all (404)."""
    expected = settings.METRICS_TOKEN
    if not expected:
        if settings.METRICS_REQUIRE_TOKEN:
            return HttpResponseNotFound(content_type="text/plain")
    elif not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = core_metrics.exposition(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
