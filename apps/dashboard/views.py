"""The dashboard shell on a store's domain: home, the activity log, and the hand-off that signs
a merchant's member in. Each domain app keeps its own pages in `apps/<app>/dashboard/`."""

from __future__ import annotations

from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from apps.core.errors import ApplicationError
from apps.core.models import EventRecord
from apps.core.permissions import Perm, no_permission_required, permission_required
from apps.dashboard.selectors import store_overview
from apps.platform.services import handoff_redeem


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    overview = store_overview(tenant=request.tenant)  # type: ignore[attr-defined]
    return render(request, "dashboard/home.html", {"overview": overview})


@never_cache
@permission_required(Perm.ACTIVITY_VIEW)
def activity(request: HttpRequest) -> HttpResponse:
    events = EventRecord.objects.prefetch_related("deliveries").order_by("-created_at")
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "dashboard/activity.html", {"page": page})


@never_cache
@no_permission_required("the signed, single-use hand-off token is the credential")
def handoff(request: HttpRequest) -> HttpResponse:
    try:
        user = handoff_redeem(value=request.GET.get("token", ""))
    except ApplicationError as error:
        return render(request, "dashboard/handoff_failed.html", {"error": error.message}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard:home")


def staff_required(view):  # type: ignore[no-untyped-def]
    """Transitional: the catalog, inventory and sourcing pages move to `permission_required`."""
    return permission_required(Perm.DASHBOARD_VIEW)(view)
