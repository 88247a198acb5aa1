"""Tax rates: the list grouped by country with the "prices include tax" switch (`taxes.view`),
creating, editing and deleting rates, the switch itself and loading the EU standard VAT rates
(`taxes.manage`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.checkout import admin_selectors as selectors
from apps.checkout.admin_services import (
    CheckoutSetupError,
    store_prices_include_tax_set,
    tax_rate_delete,
    tax_rate_save,
    tax_rates_load_eu_standard,
)
from apps.checkout.dashboard.forms import PricesIncludeTaxForm, TaxRateForm, rate_percent
from apps.checkout.dashboard.views.common import or_404, render_confirm, show_error
from apps.checkout.eu_vat import EU_STANDARD_VAT_RATES, EU_VAT_AS_OF
from apps.checkout.models import TaxRate
from apps.core.permissions import Perm, permission_required
from apps.stores.errors import StoreSettingsInvalid
from apps.stores.regional import country_choices
from apps.stores.selectors import store_settings_get

LIST_URL = "dashboard:checkout:taxes"


def _tax_rate_or_404(tax_rate_id: int) -> TaxRate:
    return or_404(selectors.tax_rate_get(tax_rate_id=tax_rate_id), _("No such tax rate."))  # type: ignore[no-any-return]


@never_cache
@permission_required(Perm.TAXES_VIEW)
@require_GET
def tax_list(request: HttpRequest) -> HttpResponse:
    names = dict(country_choices())
    rates = list(selectors.tax_rate_list())
    groups: list[dict[str, object]] = []
    for rate in rates:
        rate.percent = rate_percent(rate.rate)  # type: ignore[attr-defined]
        if not groups or groups[-1]["country"] != rate.country:
            groups.append(
                {"country": rate.country, "name": names.get(rate.country, rate.country), "rates": []}
            )
        groups[-1]["rates"].append(rate)  # type: ignore[attr-defined]
    switch = PricesIncludeTaxForm(initial={"prices_include_tax": store_settings_get().prices_include_tax})
    context = {"groups": groups, "switch": switch, "eu_missing": _eu_missing(rates)}
    return render(request, "checkout/dashboard/tax_list.html", context)


def _eu_missing(rates: list[TaxRate]) -> list[str]:
    covered = {rate.country for rate in rates if not rate.region and not rate.postal_code_prefix}
    return sorted(set(EU_STANDARD_VAT_RATES) - covered)


@never_cache
@permission_required(Perm.TAXES_MANAGE)
@require_POST
def prices_include_tax(request: HttpRequest) -> HttpResponse:
    form = PricesIncludeTaxForm(request.POST)
    form.is_valid()  # a checkbox: absent means off
    value = bool(form.cleaned_data.get("prices_include_tax"))
    try:
        store_prices_include_tax_set(value=value, actor=request.user)
    except StoreSettingsInvalid:
        messages.error(
            request,
            _("The store settings need fixing before this can be saved; open Settings to see what is wrong."),
        )
    else:
        messages.success(
            request,
            _("Prices now include tax.") if value else _("Tax is now added on top of prices at checkout."),
        )
    return redirect(LIST_URL)


def _tax_form_page(request: HttpRequest, tax_rate: TaxRate) -> HttpResponse:
    initial = TaxRateForm.initial_from(tax_rate) if tax_rate.pk else None
    form = TaxRateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        creating = tax_rate.pk is None
        try:
            tax_rate_save(tax_rate=tax_rate, data=form.to_input())
        except CheckoutSetupError as error:
            show_error(form, error)
        else:
            text = (
                _("Tax rate for %(country)s created.") if creating else _("Tax rate for %(country)s saved.")
            )
            messages.success(request, text % {"country": tax_rate.country})
            return redirect(LIST_URL)
    return render(request, "checkout/dashboard/tax_form.html", {"form": form, "tax_rate": tax_rate})


@never_cache
@permission_required(Perm.TAXES_MANAGE)
@require_http_methods(["GET", "POST"])
def tax_create(request: HttpRequest) -> HttpResponse:
    return _tax_form_page(request, TaxRate())


@never_cache
@permission_required(Perm.TAXES_MANAGE)
@require_http_methods(["GET", "POST"])
def tax_edit(request: HttpRequest, tax_rate_id: int) -> HttpResponse:
    return _tax_form_page(request, _tax_rate_or_404(tax_rate_id))


@never_cache
@permission_required(Perm.TAXES_MANAGE)
@require_http_methods(["GET", "POST"])
def tax_delete(request: HttpRequest, tax_rate_id: int) -> HttpResponse:
    tax_rate = _tax_rate_or_404(tax_rate_id)
    if request.method == "POST":
        tax_rate_delete(tax_rate=tax_rate)
        messages.success(request, _("Tax rate “%(name)s” deleted.") % {"name": str(tax_rate)})
        return redirect(LIST_URL)
    return render_confirm(
        request,
        heading=_("Delete tax rate “%(name)s”?") % {"name": str(tax_rate)},
        consequences=[_("Orders to this destination are charged the next most general rate, or no tax.")],
        cancel_url=reverse(LIST_URL),
        confirm_label=_("Delete rate"),
    )


@never_cache
@permission_required(Perm.TAXES_MANAGE)
@require_http_methods(["GET", "POST"])
def tax_load_eu(request: HttpRequest) -> HttpResponse:
    """GET: what would be added; POST: add it."""
    if request.method == "POST":
        result = tax_rates_load_eu_standard()
        if result.created:
            text = ngettext(
                "Added the standard VAT rate of %(count)d EU country.",
                "Added the standard VAT rates of %(count)d EU countries.",
                len(result.created),
            )
            messages.success(request, text % {"count": len(result.created)})
        if result.kept:
            messages.info(
                request,
                _("Kept the rates you had already entered for: %(countries)s.")
                % {"countries": ", ".join(result.kept)},
            )
        return redirect(LIST_URL)
    names = dict(country_choices())
    missing = _eu_missing(list(selectors.tax_rate_list()))
    additions = [
        _("%(country)s: %(rate)s %%")
        % {"country": names.get(code, code), "rate": EU_STANDARD_VAT_RATES[code]}
        for code in missing
    ]
    consequences = additions or [_("Every EU country already has a country-wide rate; nothing would change.")]
    consequences.append(
        _(
            "Standard rates as in force on %(date)s. Check them against the current rates; existing rates are kept."
        )
        % {"date": EU_VAT_AS_OF}
    )
    return render_confirm(
        request,
        heading=_("Add the EU standard VAT rates?"),
        consequences=consequences,
        cancel_url=reverse(LIST_URL),
        confirm_label=ngettext("Add %(count)d rate", "Add %(count)d rates", len(missing))
        % {"count": len(missing)}
        if missing
        else _("Load anyway"),
        undoable=True,
    )
