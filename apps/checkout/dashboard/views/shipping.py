"""Shipping zones and their rates: the list (`shipping.view`), creating, editing and deleting
zones and rates (`shipping.manage`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.checkout import admin_selectors as selectors
from apps.checkout.admin_services import (
    CheckoutSetupError,
    shipping_rate_delete,
    shipping_rate_save,
    shipping_zone_delete,
    shipping_zone_save,
)
from apps.checkout.dashboard.forms import ShippingRateForm, ShippingZoneForm
from apps.checkout.dashboard.views.common import or_404, render_confirm, show_error
from apps.checkout.models import ShippingRate, ShippingZone
from apps.core.permissions import Perm, permission_required
from apps.stores.regional import country_choices
from apps.stores.selectors import store_currency_get

LIST_URL = "dashboard:checkout:shipping"


def _zone_or_404(zone_id: int) -> ShippingZone:
    return or_404(selectors.shipping_zone_get(zone_id=zone_id), _("No such shipping zone."))  # type: ignore[no-any-return]


def _rate_or_404(zone: ShippingZone, rate_id: int) -> ShippingRate:
    return or_404(selectors.shipping_rate_get(zone=zone, rate_id=rate_id), _("No such shipping rate."))  # type: ignore[no-any-return]


@never_cache
@permission_required(Perm.SHIPPING_VIEW)
@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    zones = list(selectors.shipping_zone_list())
    names = dict(country_choices())
    for zone in zones:
        zone.country_names = [names.get(code, code) for code in zone.countries]  # type: ignore[attr-defined]
    return render(request, "checkout/dashboard/zone_list.html", {"zones": zones})


def _zone_form_page(request: HttpRequest, zone: ShippingZone) -> HttpResponse:
    initial = ShippingZoneForm.initial_from(zone) if zone.pk else None
    form = ShippingZoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        creating = zone.pk is None
        try:
            shipping_zone_save(zone=zone, data=form.to_input())
        except CheckoutSetupError as error:
            show_error(form, error)
        else:
            text = (
                _("Shipping zone “%(name)s” created.") if creating else _("Shipping zone “%(name)s” saved.")
            )
            messages.success(request, text % {"name": zone.name})
            if creating:
                messages.info(request, _("Now add the rates shoppers in this zone can choose from."))
                return redirect("dashboard:checkout:rate_create", zone_id=zone.pk)
            return redirect(LIST_URL)
    return render(request, "checkout/dashboard/zone_form.html", {"form": form, "zone": zone})


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def zone_create(request: HttpRequest) -> HttpResponse:
    return _zone_form_page(request, ShippingZone())


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, zone_id: int) -> HttpResponse:
    return _zone_form_page(request, _zone_or_404(zone_id))


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def zone_delete(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone = _zone_or_404(zone_id)
    if request.method == "POST":
        shipping_zone_delete(zone=zone)
        messages.success(request, _("Shipping zone “%(name)s” deleted.") % {"name": zone.name})
        return redirect(LIST_URL)
    rates = zone.rates.count()
    consequences = [
        ngettext("Its %(count)d rate is deleted with it.", "Its %(count)d rates are deleted with it.", rates)
        % {"count": rates}
        if rates
        else _("It has no rates."),
        _(
            "Shoppers with an address in it can no longer choose a shipping method unless another zone covers them."
        ),
    ]
    return render_confirm(
        request,
        heading=_("Delete shipping zone “%(name)s”?") % {"name": zone.name},
        consequences=consequences,
        cancel_url=reverse(LIST_URL),
        confirm_label=_("Delete zone"),
    )


def _rate_form_page(request: HttpRequest, zone: ShippingZone, rate: ShippingRate) -> HttpResponse:
    initial = ShippingRateForm.initial_from(rate, currency=store_currency_get()) if rate.pk else None
    pickup_locations = selectors.pickup_location_choices(include_id=rate.pickup_location_id)
    form = ShippingRateForm(request.POST or None, initial=initial, pickup_locations=pickup_locations)
    if request.method == "POST" and form.is_valid():
        creating = rate.pk is None
        try:
            shipping_rate_save(rate=rate, zone=zone, data=form.to_input())
        except CheckoutSetupError as error:
            show_error(form, error)
        else:
            text = _("Rate “%(name)s” created.") if creating else _("Rate “%(name)s” saved.")
            messages.success(request, text % {"name": rate.name})
            return redirect(LIST_URL)
    context = {"form": form, "zone": zone, "rate": rate, "has_pickup_points": bool(pickup_locations)}
    return render(request, "checkout/dashboard/rate_form.html", context)


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def rate_create(request: HttpRequest, zone_id: int) -> HttpResponse:
    return _rate_form_page(request, _zone_or_404(zone_id), ShippingRate())


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def rate_edit(request: HttpRequest, zone_id: int, rate_id: int) -> HttpResponse:
    zone = _zone_or_404(zone_id)
    return _rate_form_page(request, zone, _rate_or_404(zone, rate_id))


@never_cache
@permission_required(Perm.SHIPPING_MANAGE)
@require_http_methods(["GET", "POST"])
def rate_delete(request: HttpRequest, zone_id: int, rate_id: int) -> HttpResponse:
    zone = _zone_or_404(zone_id)
    rate = _rate_or_404(zone, rate_id)
    if request.method == "POST":
        shipping_rate_delete(rate=rate)
        messages.success(request, _("Rate “%(name)s” deleted.") % {"name": rate.name})
        return redirect(LIST_URL)
    return render_confirm(
        request,
        heading=_("Delete rate “%(name)s” of %(zone)s?") % {"name": rate.name, "zone": zone.name},
        consequences=[_("Shoppers who had chosen it are asked to choose a shipping method again.")],
        cancel_url=reverse(LIST_URL),
        confirm_label=_("Delete rate"),
    )
