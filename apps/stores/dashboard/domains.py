"""The store's domains in its dashboard: list (domains.view), add, make primary, remove
(domains.manage). Domain rows live in the public schema; every lookup is limited to this store."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required
from apps.stores.dashboard.forms import DomainAddForm
from apps.tenants.domains import domain_add, domain_remove, domain_set_primary, platform_subdomain
from apps.tenants.models import Domain


def platform_actor(user: Any) -> Any:
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
@permission_required(Perm.DOMAINS_VIEW, write=Perm.DOMAINS_MANAGE)
def domains(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = DomainAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with schema_context("public"):
                domain_add(
                    tenant=tenant, domain=form.cleaned_data["domain"], actor=platform_actor(request.user)
                )
        except ApplicationError as error:
            form.add_error("domain", error.message)
        else:
            messages.success(
                request, _("%(domain)s now serves this store.") % {"domain": form.cleaned_data["domain"]}
            )
            return redirect("dashboard:stores:domains")
    with schema_context("public"):
        rows = list(Domain.objects.filter(tenant_id=tenant.pk).order_by("-is_primary", "domain"))
        platform_host = platform_subdomain(tenant)
    context = {"domains": rows, "form": form, "platform_host": platform_host}
    return render(request, "stores/domains.html", context)


@never_cache
@permission_required(Perm.DOMAINS_MANAGE)
@require_POST
def domain_primary(request: HttpRequest, domain_id: int) -> HttpResponse:
    domain = _domain_or_404(request, domain_id)
    try:
        with schema_context("public"):
            domain_set_primary(domain=domain, actor=platform_actor(request.user))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(domain)s is now the primary domain.") % {"domain": domain.domain})
    return redirect("dashboard:stores:domains")


@never_cache
@permission_required(Perm.DOMAINS_MANAGE)
def domain_remove_view(request: HttpRequest, domain_id: int) -> HttpResponse:
    domain = _domain_or_404(request, domain_id)
    if request.method == "POST":
        try:
            with schema_context("public"):
                domain_remove(domain=domain, actor=platform_actor(request.user))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(domain)s no longer serves this store.") % {"domain": domain.domain}
            )
        return redirect("dashboard:stores:domains")
    return render(request, "stores/domain_remove.html", {"domain": domain})
