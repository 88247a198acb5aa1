"""Pickup locations: where shoppers can collect orders, with their address, position and
opening hours. Pure rules, no database: the opening-hours structure and its checks, and the
distance between two points on the Earth.

Opening hours are stored as JSON, one key per weekday ("mon" ... "sun"), each a list of
[opens, closes] pairs of "HH:MM" strings in the location's local time, sorted and not
overlapping; a day that is missing or empty is closed. "24:00" may close a day:

    {"mon": [["09:00", "12:30"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]}
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext as _

from apps.inventory.errors import LocationInvalid

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PERIODS_PER_DAY = 4
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
# Mean Earth radius (IUGG), in kilometres: the haversine error against the ellipsoid stays
# under 0.5 %, far below what sorting nearby shops needs.
EARTH_RADIUS_KM = 6371.0088
LATITUDE_LIMIT = Decimal(90)
LONGITUDE_LIMIT = Decimal(180)

OpeningHours = dict[str, list[list[str]]]


@dataclass(frozen=True)
class PickupDetails:
    """What makes a location a pickup point shoppers can find (see `location_save`)."""

    is_pickup: bool = False
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    opening_hours: Mapping[str, Any] | None = None


def weekday_name(day: str) -> str:
    """ "mon" -> "Monday", in the active language."""
    return str(WEEKDAY_NAMES[WEEKDAYS.index(day)]) if day in WEEKDAYS else day


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _hours_invalid(message: str, **params: Any) -> LocationInvalid:
    return LocationInvalid(message, field="opening_hours", params=params)


def opening_hours_clean(value: Any) -> OpeningHours:
    """`value` checked and normalised (every weekday present, periods sorted), or
    `LocationInvalid` naming the day and the problem."""
    if value in (None, ""):
        return {day: [] for day in WEEKDAYS}
    if not isinstance(value, Mapping):
        raise _hours_invalid(_("Opening hours must list each weekday’s periods."))
    unknown = [str(key) for key in value if key not in WEEKDAYS]
    if unknown:
        raise _hours_invalid(
            _("“%(day)s” is not a weekday (use %(days)s).")
            % {"day": unknown[0][:10], "days": ", ".join(WEEKDAYS)},
            day=unknown[0][:10],
        )
    clean: OpeningHours = {}
    for day in WEEKDAYS:
        periods = value.get(day) or []
        if not isinstance(periods, list | tuple) or len(periods) > MAX_PERIODS_PER_DAY:
            raise _hours_invalid(
                _("%(day)s: at most %(max)d opening periods a day.")
                % {"day": weekday_name(day), "max": MAX_PERIODS_PER_DAY},
                day=day,
            )
        spans: list[tuple[int, int, str, str]] = []
        for period in periods:
            if not isinstance(period, list | tuple) or len(period) != 2:
                raise _hours_invalid(
                    _("%(day)s: each period is an opening and a closing time.") % {"day": weekday_name(day)},
                    day=day,
                )
            opens, closes = (str(part).strip() for part in period)
            for time in (opens, closes):
                if not TIME_RE.match(time):
                    raise _hours_invalid(
                        _("%(day)s: “%(time)s” is not a time; write it as HH:MM, e.g. 09:30.")
                        % {"day": weekday_name(day), "time": time[:10]},
                        day=day,
                        time=time[:10],
                    )
            if _minutes(opens) >= _minutes(closes):
                raise _hours_invalid(
                    _("%(day)s: %(opens)s–%(closes)s closes before it opens.")
                    % {"day": weekday_name(day), "opens": opens, "closes": closes},
                    day=day,
                )
            spans.append((_minutes(opens), _minutes(closes), opens, closes))
        spans.sort()
        for earlier, later in pairwise(spans):
            if later[0] < earlier[1]:
                raise _hours_invalid(
                    _("%(day)s: %(first)s and %(second)s overlap.")
                    % {
                        "day": weekday_name(day),
                        "first": f"{earlier[2]}–{earlier[3]}",
                        "second": f"{later[2]}–{later[3]}",
                    },
                    day=day,
                )
        clean[day] = [[opens, closes] for _start, _end, opens, closes in spans]
    return clean


def opening_hours_parse_day(text: str, *, day: str) -> list[list[str]]:
    """One day typed as "09:00-12:30, 14:00-18:00" (empty or "closed": closed), as periods.
    Raises `LocationInvalid` naming what could not be read; `opening_hours_clean` checks the
    periods themselves."""
    value = " ".join(str(text or "").split())
    if not value or value.lower() in ("closed", "-", "—"):
        return []
    periods = []
    for part in value.replace(";", ",").split(","):
        piece = part.strip().replace("–", "-").replace("—", "-")
        if not piece:
            continue
        opens, sep, closes = piece.partition("-")
        if not sep:
            raise _hours_invalid(
                _("%(day)s: “%(value)s” is not a period; write it as 09:00-18:00.")
                % {"day": weekday_name(day), "value": piece[:20]},
                day=day,
            )
        periods.append([_pad(opens.strip()), _pad(closes.strip())])
    return periods


def _pad(time: str) -> str:
    # "9:00" and "9.00" are how people write it; the stored form is "09:00".
    time = time.replace(".", ":")
    if re.match(r"^[0-9]:[0-5][0-9]$", time):
        return f"0{time}"
    return time


def opening_hours_format_day(periods: list[list[str]]) -> str:
    """The inverse of `opening_hours_parse_day`, for editing."""
    return ", ".join(f"{opens}-{closes}" for opens, closes in periods)


def coordinates_clean(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, each within range; raises `LocationInvalid` otherwise."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise LocationInvalid(
            _("Give both latitude and longitude, or neither."),
            field="latitude" if latitude in (None, "") else "longitude",
        )
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except ArithmeticError:
        lat = lng = Decimal("NaN")
    if not lat.is_finite() or not -LATITUDE_LIMIT <= lat <= LATITUDE_LIMIT:
        raise LocationInvalid(
            _("The latitude must be a number between -90 and 90."),
            field="latitude",
            params={"value": str(latitude)[:30]},
        )
    if not lng.is_finite() or not -LONGITUDE_LIMIT <= lng <= LONGITUDE_LIMIT:
        raise LocationInvalid(
            _("The longitude must be a number between -180 and 180."),
            field="longitude",
            params={"value": str(longitude)[:30]},
        )
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance between two points, in kilometres (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_MIN_DIGITS = 4
TEXT_LIMITS = {
    "address_line1": 255,
    "address_line2": 255,
    "city": 100,
    "region": 100,
    "postal_code": 20,
    "phone": 32,
}


def pickup_details_clean(details: PickupDetails, *, kind: str) -> dict[str, Any]:
    """The model values of `details` for a location of `kind`, normalised; raises
    `LocationInvalid` naming the first field that is refused."""
    from apps.stores.regional import country_is_valid

    text = {name: " ".join(str(getattr(details, name) or "").split()) for name in TEXT_LIMITS}
    for name, limit in TEXT_LIMITS.items():
        if len(text[name]) > limit:
            raise LocationInvalid(
                _("This is too long (at most %(max)d characters).") % {"max": limit},
                field=name,
                params={"max_length": limit},
            )
    country = " ".join(str(details.country or "").split()).upper()
    if country and not country_is_valid(country):
        raise LocationInvalid(
            _("“%(value)s” is not an ISO 3166 country code (for example DE, US or JP).")
            % {"value": country[:10]},
            field="country",
            params={"value": country[:10]},
        )
    phone = text["phone"]
    if phone and (not PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < PHONE_MIN_DIGITS):
        raise LocationInvalid(
            _("“%(value)s” is not a phone number; use digits, spaces and + ( ) - only.")
            % {"value": phone[:40]},
            field="phone",
            params={"value": phone[:40]},
        )
    latitude, longitude = coordinates_clean(details.latitude, details.longitude)
    hours = opening_hours_clean(details.opening_hours)
    if details.is_pickup:
        if kind != "warehouse":
            raise LocationInvalid(
                _("Only the store's own locations can be pickup points, not a supplier's."), field="is_pickup"
            )
        for name in ("address_line1", "city"):
            if not text[name]:
                raise LocationInvalid(_("A pickup point needs an address shoppers can find."), field=name)
        if not country:
            raise LocationInvalid(_("A pickup point needs an address shoppers can find."), field="country")
    return {
        **text,
        "country": country,
        "is_pickup": details.is_pickup,
        "latitude": latitude,
        "longitude": longitude,
        "opening_hours": hours,
    }
