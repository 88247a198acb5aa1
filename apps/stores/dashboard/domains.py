"""The store's domains in its dashboard: list with each domain's verification state and the TXT
record that proves it (domains.view); add, check now, make primary, remove (domains.manage).
Domain rows live in the public schema; every lookup is limited to this store."""

from __future__ import annotations

from dataclasses import dataclass
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
from apps.tenants.dns_check import verification_record_name, verification_record_value
from apps.tenants.domains import (
    domain_add,
    domain_remove,
    domain_set_primary,
    domain_verify,
    platform_subdomain,
)
from apps.tenants.models import Domain


def platform_actor(user: Any) -> Any:
    """The platform user behind a store staff account, for the store's audit trail."""
    from apps.accounts.models import User

    if not user.platform_user_uuid:
        return None
    with schema_context("public"):
        return User.objects.filter(uuid=user.platform_user_uuid).first()


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    is_platform_host: bool
    record_name: str
    record_value: str


def _row(domain: Domain) -> DomainRow:
    return DomainRow(
        domain=domain,
        is_platform_host=domain.is_platform_host,
        record_name=verification_record_name(domain.domain),
        record_value=verification_record_value(domain.verification_token),
    )


def _domain_or_404(request: HttpRequest, domain_id: int) -> Domain:
    tenant_id = request.tenant.pk  # type: ignore[attr-defined]
    with schema_context("public"):
        domain = Domain.objects.select_related("tenant").filter(pk=domain_id, tenant_id=tenant_id).first()
    if domain is None:
        raise Http404(_("No such domain."))
    return domain


def check_outcome_message(domain: Domain) -> tuple[int, str]:
    """What a "Check now" found, in the merchant's words: (message level, text)."""
    params = {
        "domain": domain.domain,
        "name": verification_record_name(domain.domain),
        "value": verification_record_value(domain.verification_token),
    }
    error = domain.last_check_error
    if not error:
        return messages.SUCCESS, _("%(domain)s is verified and serves this store.") % params
    reasons: dict[str, str] = {
        Domain.CheckError.NXDOMAIN: _(
            "No DNS record named %(name)s exists yet. Create the TXT record shown below; new "
            "records can take a few minutes (sometimes hours) to appear."
        ),
        Domain.CheckError.NO_RECORD: _("%(name)s has no TXT record. Add the TXT record shown below."),
        Domain.CheckError.WRONG_TOKEN: _(
            "%(name)s has a TXT record, but not this domain's value. Its value must be exactly %(value)s."
        ),
        Domain.CheckError.TIMEOUT: _(
            "The DNS servers of %(domain)s did not answer in time. Try again in a few minutes."
        ),
        Domain.CheckError.DNS_ERROR: _(
            "The DNS servers of %(domain)s answered with an error. Try again in a few minutes."
        ),
        Domain.CheckError.CHECK_FAILED: _("The check could not be made. Try again in a few minutes."),
    }
    reason = reasons.get(error, _("The check did not succeed.")) % params
    if domain.status == Domain.Status.VERIFIED:
        # Verified by platform staff: DNS does not decide for it.
        return messages.WARNING, _("%(domain)s stays verified. DNS check: %(reason)s") % {
            **params,
            "reason": reason,
        }
    if domain.status == Domain.Status.LOST:
        return messages.ERROR, _(
            "%(domain)s is no longer verified and does not serve this store. %(reason)s"
        ) % {**params, "reason": reason}
    return messages.ERROR, _("%(domain)s is not verified yet. %(reason)s") % {**params, "reason": reason}


@never_cache
@permission_required(Perm.DOMAINS_VIEW, write=Perm.DOMAINS_MANAGE)
def domains(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = DomainAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with schema_context("public"):
                added = domain_add(
                    tenant=tenant, domain=form.cleaned_data["domain"], actor=platform_actor(request.user)
                )
        except ApplicationError as error:
            form.add_error("domain", error.message)
        else:
            messages.success(
                request,
                _(
                    "%(domain)s was added. Create the TXT record shown for it, then press “Check now”: "
                    "it serves this store once the record is seen."
                )
                % {"domain": added.domain},
            )
            return redirect("dashboard:stores:domains")
    with schema_context("public"):
        domain_list = Domain.objects.filter(tenant_id=tenant.pk).select_related("tenant")
        rows = [_row(domain) for domain in domain_list.order_by("-is_primary", "domain")]
        platform_host = platform_subdomain(tenant)
    context = {"rows": rows, "form": form, "platform_host": platform_host}
    return render(request, "stores/domains.html", context)


@never_cache
@permission_required(Perm.DOMAINS_MANAGE)
@require_POST
def domain_check(request: HttpRequest, domain_id: int) -> HttpResponse:
    domain = _domain_or_404(request, domain_id)
    try:
        with schema_context("public"):
            domain = domain_verify(domain=domain, actor=platform_actor(request.user))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        level, text = check_outcome_message(domain)
        messages.add_message(request, level, text)
    return redirect("dashboard:stores:domains")


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
