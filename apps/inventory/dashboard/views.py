"""Inventory pages of the store dashboard, mounted at /dashboard/inventory/: locations, a
location's stock, stock adjustments and the movement history. Reading needs `inventory.view`;
creating or editing a location and adjusting stock need `inventory.adjust`. Each view
validates a form, calls one service or selector, and renders; a refused change is shown on
the form and nothing is written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.catalog.models import ProductVariant
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required
from apps.inventory import selectors
from apps.inventory.dashboard.forms import LocationForm, StockAdjustForm
from apps.inventory.models import Location
from apps.inventory.services import location_save, stock_adjust

STOCK_PAGE_SIZE = 50
MOVEMENT_PAGE_SIZE = 50


def _render(request: HttpRequest, template: str, **extra: Any) -> HttpResponse:
    return render(request, template, extra)


def _location_or_404(location_id: int) -> Location:
    location = selectors.location_get(location_id=location_id)
    if location is None:
        raise Http404(_("No such location."))
    return location


def _stock_or_404(location: Location, variant_id: int) -> ProductVariant:
    variant = selectors.stock_at_location(location=location, variant_id=variant_id)
    if variant is None:
        raise Http404(_("No such variant."))
    return variant


def _show_error(form: LocationForm | StockAdjustForm, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@never_cache
@permission_required(Perm.INVENTORY_VIEW)
def location_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "inventory/location_list.html", locations=list(selectors.location_list()))


def _location_form(request: HttpRequest, location: Location) -> HttpResponse:
    initial = LocationForm.initial_from(location) if location.pk else None
    form = LocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            location_save(location=location, **form.save_kwargs())
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Location “%(name)s” saved.") % {"name": location.name})
            return redirect("dashboard:inventory:location_list")
    return _render(request, "inventory/location_form.html", form=form, location=location)


@never_cache
@permission_required(Perm.INVENTORY_ADJUST)
def location_create(request: HttpRequest) -> HttpResponse:
    return _location_form(request, Location())


@never_cache
@permission_required(Perm.INVENTORY_ADJUST)
def location_edit(request: HttpRequest, location_id: int) -> HttpResponse:
    return _location_form(request, _location_or_404(location_id))


@never_cache
@permission_required(Perm.INVENTORY_VIEW)
def location_stock(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location_or_404(location_id)
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.stock_list(location=location, query=query), STOCK_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _render(request, "inventory/stock_list.html", location=location, page=page, query=query)


@never_cache
@permission_required(Perm.INVENTORY_ADJUST)
def stock_adjust_view(request: HttpRequest, location_id: int, variant_id: int) -> HttpResponse:
    location = _location_or_404(location_id)
    variant = _stock_or_404(location, variant_id)
    form = StockAdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stock = stock_adjust(
                variant=variant,
                location=location,
                delta=form.cleaned_data["delta"],
                reason=form.cleaned_data["reason"],
                kind=form.cleaned_data["kind"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("%(sku)s at %(location)s: %(on_hand)d on hand, %(available)d available.")
                % {
                    "sku": variant.sku,
                    "location": location.name,
                    "on_hand": stock.on_hand,
                    "available": stock.available,
                },
            )
            return redirect("dashboard:inventory:location_stock", location_id=location.pk)
    return _render(request, "inventory/stock_adjust.html", form=form, location=location, variant=variant)


@never_cache
@permission_required(Perm.INVENTORY_VIEW)
def movement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.movement_list(), MOVEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "inventory/movement_list.html", page=page)


@never_cache
@permission_required(Perm.INVENTORY_VIEW)
def stock_movements(request: HttpRequest, location_id: int, variant_id: int) -> HttpResponse:
    location = _location_or_404(location_id)
    variant = _stock_or_404(location, variant_id)
    movements = selectors.movement_list(variant_id=variant.pk, location_id=location.pk)
    page = Paginator(movements, MOVEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "inventory/movement_list.html", page=page, location=location, variant=variant)
