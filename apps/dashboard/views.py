"""The merchant dashboard on a store's domain (staff only) and the hand-off that enters it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from apps.core.errors import ApplicationError
from apps.core.models import EventRecord
from apps.dashboard.navigation import nav_items
from apps.dashboard.selectors import store_overview
from apps.platform.services import handoff_redeem


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            return render(request, "dashboard/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"nav": nav_items(), **extra}


@never_cache
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    overview = store_overview(tenant=request.tenant)  # type: ignore[attr-defined]
    return render(request, "dashboard/home.html", _context(request, overview=overview))


@never_cache
@staff_required
def activity(request: HttpRequest) -> HttpResponse:
    events = EventRecord.objects.prefetch_related("deliveries").order_by("-created_at")
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "dashboard/activity.html", _context(request, page=page))


@never_cache
def handoff(request: HttpRequest) -> HttpResponse:
    try:
        user = handoff_redeem(value=request.GET.get("token", ""))
    except ApplicationError as error:
        return render(request, "dashboard/handoff_failed.html", {"error": error.message}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard:home")
