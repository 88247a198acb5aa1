"""Error pages shared by the platform and store URLconfs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from apps.core.tenancy import current_schema


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def media_serve(request: HttpRequest, schema: str, path: str) -> HttpResponseBase:
    """Serves local media (development storage) of the current store only.

    A URL under another store's prefix is a 404 on this host, whether or not the file exists.
    """
    from django.conf import settings
    from django.http import Http404
    from django.views.static import serve

    if schema != current_schema():
        raise Http404("Not this store's file.")
    return serve(request, f"{schema}/{path}", document_root=settings.MEDIA_ROOT)
