"""The store's own pages: policies, the contact form, the store locator, and the display
currency a shopper chooses.

- /pages/<kind>/ shows a policy from the store settings (sanitised when saved); an unknown
  kind or a policy the store has not written is the branded 404, never an empty page.
- /contact/ mails a shopper's message to the store's contact address (apps.storefront.contact
  keeps the spam and rate rules); without an address the page says how else to reach the store.
- /stores/ lists the store's pickup points with address and opening hours, nearest first when
  the shopper shares where they are (?lat=&lng=, from the browser's geolocation); no map tiles
  or other third-party requests.
- /currency/ (POST) keeps the shopper's display currency in the session.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from babel.dates import format_time
from babel.units import format_unit
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core.permissions import no_permission_required
from apps.inventory.models import Location
from apps.inventory.pickup import WEEKDAYS, weekday_name
from apps.inventory.selectors import PickupPoint, pickup_location_list
from apps.platform.access import client_ip
from apps.storefront.contact import (
    CONTACT_MESSAGE_MAX,
    CONTACT_NAME_MAX,
    ContactMessage,
    ContactRefused,
    contact_message_send,
    contact_token,
)
from apps.storefront.localize import country_name
from apps.storefront.policies import POLICY_BY_SLUG, policy_has_text
from apps.storefront.presentment import SESSION_KEY, request_presentment_forget, shopper_locale
from apps.stores.currency import presentment_currencies
from apps.stores.selectors import store_settings_get

# A policy holding any of these was written as HTML; one without is plain text.
BLOCK_TAG = re.compile(r"<\s*(p|br|div|ul|ol|li|h[1-6]|table|blockquote|pre)\b", re.IGNORECASE)

# The ±0.001° a browser position is rounded to before it reaches the URL is ~100 m: enough to
# sort shops, without putting the shopper's doorstep into logs.
POSITION_DECIMALS = 3


# ------------------------------------------------------------------------------
# policies
# ------------------------------------------------------------------------------
@no_permission_required("the store's policies are public")
def policy(request: HttpRequest, kind: str) -> HttpResponse:
    found = POLICY_BY_SLUG.get(kind)
    if found is None:
        raise Http404(_("No such page."))
    html = getattr(store_settings_get(), found.field, "")
    if not policy_has_text(html):
        raise Http404(_("This store has not published this policy."))
    if not BLOCK_TAG.search(html):
        # Written as plain text (sanitised, so already escaped): its blank lines are paragraphs.
        html = linebreaks(html, autoescape=False)
    return render(request, "storefront/pages/policy.html", {"policy": found, "policy_html": html})


# ------------------------------------------------------------------------------
# contact
# ------------------------------------------------------------------------------
class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=CONTACT_NAME_MAX)
    email = forms.EmailField(label=gettext_lazy("Your email"), max_length=254)
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=CONTACT_MESSAGE_MAX, min_length=2, widget=forms.Textarea
    )
    # Bots fill every field; people never see this one (hidden by CSS, skipped by keyboard and
    # screen readers), so anything in it means the form was not filled by a person.
    website = forms.CharField(label=gettext_lazy("Leave this field empty"), required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["message"].widget.attrs.update({"rows": 6})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})


def _contact_details(settings_row: Any) -> dict[str, Any]:
    lines = [
        settings_row.address_line1,
        settings_row.address_line2,
        " ".join(part for part in (settings_row.postal_code, settings_row.city) if part),
        settings_row.region,
        country_name(settings_row.country),
    ]
    return {
        "email": settings_row.contact_email,
        "phone": settings_row.contact_phone,
        "address_lines": [line for line in lines if line],
    }


@no_permission_required("shoppers write to the store without an account")
def contact(request: HttpRequest) -> HttpResponse:
    settings_row = store_settings_get()
    details = _contact_details(settings_row)
    if not settings_row.contact_email:
        # No address to send to: say how else to reach the store, and take no message.
        return render(request, "storefront/pages/contact.html", {"form": None, "details": details})
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact_message_send(
                message=ContactMessage(
                    name=data["name"],
                    email=data["email"],
                    message=data["message"],
                    honeypot=data["website"],
                    token=data["token"],
                ),
                client_ip=client_ip(request),
            )
        except ContactRefused as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Thank you, your message was sent. The store will reply by email."))
            return redirect("storefront:contact")
    # A fresh timestamp each time the form is shown: the minimum fill time counts from here.
    token = contact_token()
    if form.is_bound:
        data = request.POST.copy()
        data["token"] = token
        form.data = data
    else:
        form.initial["token"] = token
    return render(
        request,
        "storefront/pages/contact.html",
        {"form": form, "details": details},
        status=400 if form.is_bound else 200,
    )


# ------------------------------------------------------------------------------
# store locator
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpeningDay:
    name: str
    periods: list[str]
    is_today: bool


def _position(request: HttpRequest) -> tuple[tuple[float, float] | None, str]:
    """The shopper's shared position from ?lat=&lng=, or None with a message saying what is
    wrong with it (and None without a message when none was shared)."""
    lat_text, lng_text = request.GET.get("lat", "").strip(), request.GET.get("lng", "").strip()
    if not lat_text and not lng_text:
        return None, ""
    try:
        lat, lng = Decimal(lat_text), Decimal(lng_text)
        valid = lat.is_finite() and lng.is_finite() and abs(lat) <= 90 and abs(lng) <= 180
    except InvalidOperation:
        valid = False
    if not valid:
        return None, _(
            "The position “%(lat)s, %(lng)s” is not a valid latitude and longitude, so the stores are "
            "listed by name instead of by distance."
        ) % {"lat": lat_text[:20] or "?", "lng": lng_text[:20] or "?"}
    return (round(float(lat), POSITION_DECIMALS), round(float(lng), POSITION_DECIMALS)), ""


def _time_text(value: str, locale: str) -> str:
    if value == "24:00":
        return format_time(datetime.time(0, 0), format="short", locale=locale)
    hours, minutes = value.split(":")
    return format_time(datetime.time(int(hours), int(minutes)), format="short", locale=locale)


def _opening_days(location: Location, *, today: str, locale: str) -> list[OpeningDay]:
    hours = location.opening_hours if isinstance(location.opening_hours, dict) else {}
    return [
        OpeningDay(
            name=weekday_name(day),
            periods=[
                f"{_time_text(opens, locale)}–{_time_text(closes, locale)}"
                for opens, closes in hours.get(day) or []
            ],
            is_today=day == today,
        )
        for day in WEEKDAYS
    ]


def _directions_url(location: Location) -> str:
    # A plain link the shopper may follow; the page itself requests nothing from the map site.
    if location.latitude is not None and location.longitude is not None:
        return f"https://www.openstreetmap.org/directions?to={location.latitude}%2C{location.longitude}"
    address = ", ".join(
        part
        for part in (location.address_line1, location.postal_code, location.city, location.country)
        if part
    )
    return f"https://www.openstreetmap.org/search?query={quote(address)}"


def _store_today(timezone_name: str) -> str:
    try:
        zone = zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return WEEKDAYS[timezone.now().astimezone(zone).weekday()]


@no_permission_required("the store locator is public")
def store_locator(request: HttpRequest) -> HttpResponse:
    near, position_error = _position(request)
    points: list[PickupPoint] = pickup_location_list(near=near)
    locale = shopper_locale()
    today = _store_today(store_settings_get().timezone)
    rows = [
        {
            "location": point.location,
            "distance": (
                format_unit(round(point.distance_km, 1), "length-kilometer", length="short", locale=locale)
                if point.distance_km is not None
                else ""
            ),
            "days": _opening_days(point.location, today=today, locale=locale),
            "has_hours": any(point.location.opening_hours.values())
            if isinstance(point.location.opening_hours, dict)
            else False,
            "directions_url": _directions_url(point.location),
        }
        for point in points
    ]
    context = {"rows": rows, "sorted_by_distance": near is not None, "position_error": position_error}
    return render(request, "storefront/pages/locator.html", context)


# ------------------------------------------------------------------------------
# display currency
# ------------------------------------------------------------------------------
def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("storefront:home")
    return HttpResponseRedirect(target)


@require_POST
@no_permission_required("a shopper picks the currency prices are shown in")
def currency_set(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("currency", "").strip().upper()
    choices = presentment_currencies()
    if code not in choices:
        messages.error(
            request,
            _("“%(currency)s” is not a currency this store shows prices in; prices stay in %(current)s.")
            % {"currency": code[:10] or "—", "current": request.session.get(SESSION_KEY) or choices[0]},
        )
        return _back(request)
    if code == choices[0]:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = code
    request_presentment_forget(request)
    return _back(request)
