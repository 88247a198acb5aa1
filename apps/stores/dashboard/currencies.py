"""The currencies page of the dashboard, at /dashboard/store/currencies/: the exchange rates
prices are shown with in other currencies, entered by hand or refreshed from a feed. Anyone with
settings.view reads it; settings.manage sets or removes a rate, saves the feed settings and
refreshes now. Each POST names its `action`; every rule lives in `apps.stores.exchange_rates`,
and a refused change is shown next to its field with nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.money import money_format
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.stores.currency import exchange_rate_feed_get, exchange_rate_list
from apps.stores.dashboard.currency_forms import ExchangeRateFeedForm, ExchangeRateForm
from apps.stores.errors import ExchangeRateError, ExchangeRateErrorCode
from apps.stores.exchange_rates import (
    exchange_rate_delete,
    exchange_rate_feed_update,
    exchange_rate_set,
    exchange_rates_refresh,
)
from apps.stores.models import ExchangeRateFeed
from apps.stores.selectors import store_currency_get

SAMPLE_AMOUNT = Decimal(10)


def _feed_error_text(feed: ExchangeRateFeed) -> str:
    """The last refresh failure in the reader's language, from its stored code and params."""
    code, params = feed.last_error_code, feed.last_error_params or {}
    texts = {
        ExchangeRateErrorCode.FEED_UNREACHABLE: _("the feed could not be fetched (%(reason)s)."),
        ExchangeRateErrorCode.FEED_INVALID: _("the feed is not in the ECB daily format (%(reason)s)."),
        ExchangeRateErrorCode.FEED_LACKS_STORE_CURRENCY: _(
            "the feed has no rate for the store's currency (%(currency)s)."
        ),
    }
    template = texts.get(code)  # type: ignore[call-overload]
    if template is None:
        return _("the refresh failed (%(code)s).") % {"code": code}
    try:
        return str(template % {"reason": "", "currency": "", **params})
    except (KeyError, TypeError, ValueError):
        return _("the refresh failed (%(code)s).") % {"code": code}


def _rows(store_currency: str) -> list[dict[str, Any]]:
    locale = to_locale(get_language() or "en")
    rows = []
    for rate in exchange_rate_list():
        usable = rate.base_currency == store_currency
        sample = money_format(SAMPLE_AMOUNT * rate.rate, rate.currency, locale) if usable else ""
        rows.append(
            {
                "rate": rate,
                "usable": usable,
                "shown_rate": format(rate.rate.normalize(), "f"),
                "sample": sample,
            }
        )
    return rows


def _show(form: ExchangeRateForm | ExchangeRateFeedForm, error: ExchangeRateError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@never_cache
@permission_required(Perm.SETTINGS_VIEW, write=Perm.SETTINGS_MANAGE)
def currencies(request: HttpRequest) -> HttpResponse:
    store_currency = store_currency_get()
    feed = exchange_rate_feed_get()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    rate_form = ExchangeRateForm(request.POST if action == "rate" else None, store_currency=store_currency)
    feed_form = ExchangeRateFeedForm(
        request.POST if action == "feed" else None,
        initial={"enabled": feed.enabled, "url": feed.url, "currencies": ", ".join(feed.currencies)},
    )
    if action == "rate" and rate_form.is_valid():
        try:
            saved = exchange_rate_set(
                currency=rate_form.cleaned_data["currency"], rate=rate_form.cleaned_data["rate"]
            )
        except ExchangeRateError as error:
            _show(rate_form, error)
        else:
            messages.success(request, _("The rate of %(currency)s was saved.") % {"currency": saved.currency})
            return redirect("dashboard:stores:currencies")
    elif action == "delete":
        code = request.POST.get("currency", "")
        try:
            exchange_rate_delete(currency=code)
        except ExchangeRateError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The rate of %(currency)s was removed.") % {"currency": code.upper()})
        return redirect("dashboard:stores:currencies")
    elif action == "feed" and feed_form.is_valid():
        try:
            exchange_rate_feed_update(
                enabled=feed_form.cleaned_data["enabled"],
                url=feed_form.cleaned_data["url"],
                currencies=feed_form.currency_codes(),
            )
        except ExchangeRateError as error:
            _show(feed_form, error)
        else:
            messages.success(request, _("The feed settings were saved."))
            return redirect("dashboard:stores:currencies")
    elif action == "refresh":
        try:
            summary = exchange_rates_refresh()
        except ExchangeRateError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Rates refreshed: %(count)d updated.") % {"count": len(summary["updated"])},
            )
            if summary["missing"]:
                messages.warning(
                    request,
                    _("The feed has no rate for %(currencies)s.")
                    % {"currencies": ", ".join(summary["missing"])},
                )
        return redirect("dashboard:stores:currencies")
    elif request.method == "POST" and action not in ("rate", "feed"):
        messages.error(request, _("Unknown action; nothing was changed."))
        return redirect("dashboard:stores:currencies")
    context = {
        "store_currency": store_currency,
        "rows": _rows(store_currency),
        "feed": feed,
        "feed_error": _feed_error_text(feed) if feed.last_error_code else "",
        "rate_form": rate_form,
        "feed_form": feed_form,
        "can_manage": user_has_permission(request.user, Perm.SETTINGS_MANAGE),
        "sample_amount": money_format(SAMPLE_AMOUNT, store_currency, to_locale(get_language() or "en")),
    }
    return render(request, "stores/currencies.html", context)
