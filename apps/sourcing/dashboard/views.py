"""Sourcing pages of the store dashboard, mounted at /dashboard/sourcing/: suppliers and their
connector settings, a supplier's offers with "Import catalog" and "Sync now", and pricing rules.

Reading needs `sourcing.view`; creating, editing, importing, syncing and the pricing rules need
`sourcing.manage`; a supplier's API credentials need `sourcing.credentials` as well (enforced
by `SupplierForm`, which has no credential fields without it). Each view validates a form,
calls one service or selector, and renders; a refused change is shown on the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.sourcing import selectors
from apps.sourcing.dashboard.forms import PricingRuleForm, SupplierForm, SupplierImportForm
from apps.sourcing.models import PricingRule, Supplier
from apps.sourcing.pricing import pricing_rule_for
from apps.sourcing.services import (
    pricing_rule_delete,
    pricing_rule_save,
    supplier_import_start,
    supplier_save,
    supplier_sync_queue,
)

SUPPLIER_PAGE_SIZE = 25
OFFER_PAGE_SIZE = 50
RULE_PAGE_SIZE = 50


def _render(request: HttpRequest, template: str, **extra: Any) -> HttpResponse:
    return render(request, template, extra)


def _supplier_or_404(supplier_id: int) -> Supplier:
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        raise Http404(_("No such supplier."))
    return supplier


def _rule_or_404(rule_id: int) -> PricingRule:
    rule = PricingRule.objects.select_related("supplier").filter(pk=rule_id).first()
    if rule is None:
        raise Http404(_("No such pricing rule."))
    return rule


def _show_error(form: Any, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _import_url(run_uuid: Any) -> str | None:
    try:
        return reverse("dashboard:catalog:import_detail", kwargs={"run_uuid": run_uuid})
    except NoReverseMatch:
        return None


# ------------------------------------------------------------------------------
# suppliers
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.SOURCING_VIEW)
def supplier_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.supplier_list(), SUPPLIER_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "sourcing/supplier_list.html", page=page)


def _supplier_form(request: HttpRequest, supplier: Supplier) -> HttpResponse:
    form = SupplierForm(
        request.POST or None,
        supplier=supplier,
        credentials_allowed=user_has_permission(request.user, Perm.SOURCING_CREDENTIALS),
    )
    if request.method == "POST" and form.is_valid():
        created = supplier.pk is None
        try:
            supplier = supplier_save(supplier=supplier, data=form.to_input(), actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("Supplier %(name)s created.") % {"name": supplier.name}
                if created
                else _("Supplier %(name)s saved.") % {"name": supplier.name},
            )
            return redirect("dashboard:sourcing:supplier_detail", supplier_id=supplier.pk)
    return _render(request, "sourcing/supplier_form.html", form=form, supplier=supplier)


@never_cache
@permission_required(Perm.SOURCING_MANAGE)
def supplier_create(request: HttpRequest) -> HttpResponse:
    return _supplier_form(request, Supplier())


@never_cache
@permission_required(Perm.SOURCING_MANAGE)
def supplier_edit(request: HttpRequest, supplier_id: int) -> HttpResponse:
    return _supplier_form(request, _supplier_or_404(supplier_id))


@never_cache
@permission_required(Perm.SOURCING_VIEW)
def supplier_detail(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = _supplier_or_404(supplier_id)
    page = Paginator(selectors.supplier_offers(supplier=supplier), OFFER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    runs = [(run, _import_url(run.uuid)) for run in selectors.supplier_import_runs(supplier=supplier)]
    return _render(
        request,
        "sourcing/supplier_detail.html",
        supplier=supplier,
        page=page,
        runs=runs,
        import_form=SupplierImportForm(),
        rule=pricing_rule_for(supplier=supplier),
        is_manual=supplier.connector == Supplier.Connector.MANUAL,
    )


@permission_required(Perm.SOURCING_MANAGE)
@require_POST
def supplier_import(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = _supplier_or_404(supplier_id)
    form = SupplierImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            run = supplier_import_start(
                supplier=supplier,
                upload=form.cleaned_data.get("file"),
                actor=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            url = _import_url(run.uuid)
            messages.success(request, _("The import has started."))
            if url is not None:
                return redirect(url)
    else:
        for message in form.errors.get("file", []):
            messages.error(request, str(message))
    return redirect("dashboard:sourcing:supplier_detail", supplier_id=supplier.pk)


@permission_required(Perm.SOURCING_MANAGE)
@require_POST
def supplier_sync(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = _supplier_or_404(supplier_id)
    try:
        supplier_sync_queue(supplier=supplier)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Syncing %(name)s; costs and stock update in a moment.") % {"name": supplier.name}
        )
    return redirect("dashboard:sourcing:supplier_detail", supplier_id=supplier.pk)


# ------------------------------------------------------------------------------
# pricing rules
# ------------------------------------------------------------------------------
@never_cache
@permission_required(Perm.SOURCING_VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.pricing_rule_list(), RULE_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "sourcing/rule_list.html", page=page)


def _rule_form(request: HttpRequest, rule: PricingRule) -> HttpResponse:
    form = PricingRuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            rule = pricing_rule_save(rule=rule, data=form.to_input(), actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Pricing rule %(name)s saved.") % {"name": rule.name})
            return redirect("dashboard:sourcing:rule_list")
    return _render(request, "sourcing/rule_form.html", form=form, rule=rule)


@never_cache
@permission_required(Perm.SOURCING_MANAGE)
def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, PricingRule())


@never_cache
@permission_required(Perm.SOURCING_MANAGE)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_form(request, _rule_or_404(rule_id))


@never_cache
@permission_required(Perm.SOURCING_MANAGE)
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    if request.method == "POST":
        pricing_rule_delete(rule=rule, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Pricing rule %(name)s deleted.") % {"name": rule.name})
        return redirect("dashboard:sourcing:rule_list")
    return _render(
        request,
        "sourcing/confirm_delete.html",
        heading=_("Delete the pricing rule “%(name)s”?") % {"name": rule.name},
        consequences=[
            _("Prices already set stay as they are."),
            _("New supplier costs will be priced by the next rule that applies, or at cost if none does."),
        ],
        confirm_label=_("Delete rule"),
        cancel_url=reverse("dashboard:sourcing:rule_edit", kwargs={"rule_id": rule.pk}),
    )
