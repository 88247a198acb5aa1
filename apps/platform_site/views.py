"""The platform domain's "/": the platform site's home page (Wagtail), or the plain landing page
while the public schema has no platform site yet (before `migrate_all` made one)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from wagtail import views as wagtail_views
from wagtail.models import Site

from apps.core.permissions import no_permission_required


@no_permission_required("the platform's public home page")
def home(request: HttpRequest) -> HttpResponseBase:
    if Site.find_for_request(request) is None:
        return render(request, "platform/landing.html")
    return wagtail_views.serve(request, "")
