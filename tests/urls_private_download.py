"""A store URLconf with one private download route, for the tests of `private_file_response`
(the feature views that use it, import files, exports, invoices, live in their apps)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, path

from apps.core.files import private_file_response
from apps.core.permissions import Perm, no_permission_required
from config import urls_tenants


@no_permission_required("private_file_response checks catalog.import itself")
def import_file_download(request: HttpRequest, name: str) -> HttpResponseBase:
    return private_file_response(request, name=name, filename="products.csv", permission=Perm.CATALOG_IMPORT)


urlpatterns: list[URLPattern | URLResolver] = [
    path("test-private/<path:name>", import_file_download),
    *urls_tenants.urlpatterns,
]
