"""The shopper-facing home page of a store (later issues add catalog and checkout)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.permissions import no_permission_required


@no_permission_required("the storefront is public")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/home.html", {"store": request.tenant})  # type: ignore[attr-defined]
