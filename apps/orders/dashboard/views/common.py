"""Helpers shared by the orders pages: finding the order a URL names, showing a service's refusal,
the store's time zone, the 403 answer for an action that needs more than the page, and the
payment link shown once after it was made."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.permissions import FORBIDDEN_TEMPLATE, Perm
from apps.orders.models import Order
from apps.orders.selectors import order_detail
from apps.stores.selectors import store_settings_get

PAYMENT_LINK_SESSION_KEY = "orders:payment_link"


def order_or_404(order_number: int) -> Order:
    """The order with this number in the current store, with everything its pages show (a
    fixed number of queries); 404 when this store has none."""
    order = order_detail(number=order_number)
    if order is None:
        raise Http404(_("No such order."))
    return order


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data to bind a form to: the POST (even an empty one), None on GET."""
    return request.POST if request.method == "POST" else None


def show_error(form: forms.Form, error: ApplicationError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = (aliases or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


def forbidden(request: HttpRequest, permission: Perm) -> HttpResponse:
    """The 403 page for an action this order needs a further permission for (a cancellation or
    an edit that gives money back needs `refunds.create`)."""
    return render(request, FORBIDDEN_TEMPLATE, {"permission": permission}, status=403)


@contextmanager
def store_timezone() -> Iterator[zoneinfo.ZoneInfo]:
    """Dates are filtered and shown in the store's time zone, not the server's."""
    try:
        zone = zoneinfo.ZoneInfo(store_settings_get().timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with timezone.override(zone):
        yield zone


def payment_link_remember(request: HttpRequest, *, order: Order, url: str) -> None:
    request.session[PAYMENT_LINK_SESSION_KEY] = {"order": order.pk, "url": url}


def payment_link_reveal(request: HttpRequest, *, order: Order) -> str:
    """The payment link made for `order` just before this page, once (then forgotten)."""
    kept: Any = request.session.get(PAYMENT_LINK_SESSION_KEY)
    if isinstance(kept, dict) and kept.get("order") == order.pk:
        del request.session[PAYMENT_LINK_SESSION_KEY]
        return str(kept.get("url") or "")
    return ""
