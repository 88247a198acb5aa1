"""The store URLconf plus one bare view, for `bench_storefront`: the hello view and the
storefront's pages run through the same middleware, in the same process, on the same host."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config import urls_tenants


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello", content_type="text/plain")


HELLO = path("bench/hello/", hello, name="bench-hello")


def store_urlpatterns(default_language: str) -> list[URLPattern | URLResolver]:
    return [HELLO, *urls_tenants.store_urlpatterns(default_language)]


handler404 = urls_tenants.handler404
handler500 = urls_tenants.handler500
urlpatterns = [HELLO, *urls_tenants.urlpatterns]
