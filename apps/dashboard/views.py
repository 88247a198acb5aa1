"""The merchant dashboard on a store's domain (staff only) and the hand-off that enters it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from apps.core.errors import ApplicationError
from apps.core.models import EventRecord
from apps.dashboard.forms import DomainAddForm
from apps.dashboard.navigation import nav_items
from apps.dashboard.selectors import store_overview
from apps.platform.services import handoff_redeem
from apps.tenants.models import Domain
from apps.tenants.services import domain_add, domain_remove, domain_set_primary, platform_subdomain


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


# ------------------------------------------------------------------------------
# domains (owners and admins of the store)
# ------------------------------------------------------------------------------
DOMAIN_MANAGER_ROLES = {"owner", "admin"}


def _can_manage_domains(user: Any) -> bool:
    return bool(user.is_superuser or user.store_role in DOMAIN_MANAGER_ROLES)


def _platform_actor(user: Any) -> Any:
    """The platform user behind a store staff account, for the store's audit trail."""
    from apps.accounts.models import User

    if not user.platform_user_uuid:
        return None
    with schema_context("public"):
        return User.objects.filter(uuid=user.platform_user_uuid).first()


def _domain_or_404(request: HttpRequest, domain_id: int) -> Domain:
    tenant_id = request.tenant.pk  # type: ignore[attr-defined]
    with schema_context("public"):
        domain = Domain.objects.select_related("tenant").filter(pk=domain_id, tenant_id=tenant_id).first()
    if domain is None:
        raise Http404(_("No such domain."))
    return domain


@never_cache
@staff_required
def domains(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    can_manage = _can_manage_domains(request.user)
    form = DomainAddForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(request, "dashboard/forbidden.html", status=403)
        if form.is_valid():
            try:
                with schema_context("public"):
                    domain_add(
                        tenant=tenant, domain=form.cleaned_data["domain"], actor=_platform_actor(request.user)
                    )
            except ApplicationError as error:
                form.add_error("domain", error.message)
            else:
                messages.success(
                    request, _("%(domain)s now serves this store.") % {"domain": form.cleaned_data["domain"]}
                )
                return redirect("dashboard:domains")
    with schema_context("public"):
        rows = list(Domain.objects.filter(tenant_id=tenant.pk).order_by("-is_primary", "domain"))
        platform_host = platform_subdomain(tenant)
    context = _context(request, domains=rows, form=form, can_manage=can_manage, platform_host=platform_host)
    return render(request, "dashboard/domains.html", context)


@never_cache
@staff_required
@require_POST
def domain_primary(request: HttpRequest, domain_id: int) -> HttpResponse:
    if not _can_manage_domains(request.user):
        return render(request, "dashboard/forbidden.html", status=403)
    domain = _domain_or_404(request, domain_id)
    with schema_context("public"):
        domain_set_primary(domain=domain, actor=_platform_actor(request.user))
    messages.success(request, _("%(domain)s is now the primary domain.") % {"domain": domain.domain})
    return redirect("dashboard:domains")


@never_cache
@staff_required
def domain_remove_view(request: HttpRequest, domain_id: int) -> HttpResponse:
    if not _can_manage_domains(request.user):
        return render(request, "dashboard/forbidden.html", status=403)
    domain = _domain_or_404(request, domain_id)
    if request.method == "POST":
        try:
            with schema_context("public"):
                domain_remove(domain=domain, actor=_platform_actor(request.user))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(domain)s no longer serves this store.") % {"domain": domain.domain}
            )
        return redirect("dashboard:domains")
    return render(request, "dashboard/domain_remove.html", _context(request, domain=domain))
