"""Error pages and local media serving, shared by the platform and store URLconfs."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import http_date
from django.views.static import was_modified_since

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
