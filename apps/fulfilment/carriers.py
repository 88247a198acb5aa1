"""The carriers a shipment can go with: name, tracking link template and the formats their
tracking numbers take, so a link can be built from a number and a carrier guessed from one.

`carrier_tracking_url(code, number)` builds the carrier's public tracking link ("" for a code we
do not know: the caller then needs a link of its own); `carrier_guess(number)` names the
carrier whose format the number fits best, or None. Formats are checked most specific first
(a prefix and a fixed length), then the UPU S10 form `AA123456789CC` whose last two letters name
the national post, then formats that are digits only, where a guess is only a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

OTHER = "other"  # a carrier we do not know: the shipment needs a tracking link of its own


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    url_template: str  # "{number}" is replaced by the URL-quoted tracking number
    patterns: tuple[str, ...] = ()
    # the UPU S10 country suffix this national post uses ("GB" for Royal Mail)
    s10_country: str = ""


CARRIERS: dict[str, Carrier] = {
    carrier.code: carrier
    for carrier in (
        Carrier(
            "dhl",
            "DHL Express",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
            (r"\d{10}", r"JJD\d{18}"),
        ),
        Carrier(
            "dhl_ecommerce",
            "DHL eCommerce",
            "https://webtrack.dhlecs.com/orders?trackingNumber={number}",
            (r"(?:GM|LX|RX)\d{16,18}",),
        ),
        Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={number}", (r"1Z[0-9A-Z]{16}",)),
        Carrier(
            "fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}", (r"\d{12}", r"\d{15}")
        ),
        Carrier(
            "usps",
            "USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
            (r"9[1-5]\d{20}", r"9[1-5]\d{24}"),
            s10_country="US",
        ),
        Carrier(
            "royal_mail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
            s10_country="GB",
        ),
        Carrier("evri", "Evri", "https://www.evri.com/track/parcel/{number}", (r"H[0-9A-Z]{15}",)),
        Carrier("dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}", (r"\d{14}",)),
        Carrier("gls", "GLS", "https://gls-group.com/track/{number}", (r"\d{11}",)),
        Carrier(
            "postnl",
            "PostNL",
            "https://jouw.postnl.nl/track-and-trace/{number}",
            (r"3S[0-9A-Z]{11,13}",),
            s10_country="NL",
        ),
        Carrier(
            "la_poste",
            "La Poste / Colissimo",
            "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
            (r"\d[A-Z]\d{11}",),
            s10_country="FR",
        ),
        Carrier(
            "deutsche_post",
            "Deutsche Post",
            "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={number}",
            s10_country="DE",
        ),
        Carrier(
            "correos",
            "Correos",
            "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}",
            (r"PQ[0-9A-Z]{21}",),
            s10_country="ES",
        ),
        Carrier(
            "canada_post",
            "Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
            (r"\d{16}",),
            s10_country="CA",
        ),
        Carrier(
            "australia_post",
            "Australia Post",
            "https://auspost.com.au/mypost/track/details/{number}",
            s10_country="AU",
        ),
        Carrier(
            "china_post",
            "China Post / EMS",
            "https://t.17track.net/en#nums={number}",
            s10_country="CN",
        ),
        Carrier(
            "cainiao", "Cainiao", "https://global.cainiao.com/detail.htm?mailNoList={number}", (r"LP\d{14}",)
        ),
        Carrier(
            "yunexpress", "YunExpress", "https://www.yuntrack.com/parcelTracking?id={number}", (r"YT\d{16}",)
        ),
        Carrier("4px", "4PX", "https://track.4px.com/#/result/0/{number}", (r"4PX[0-9A-Z]{10,16}",)),
        Carrier(
            "yanwen",
            "Yanwen",
            "https://track.yw56.com.cn/en/querydel?nums={number}",
            (r"(?:UY|YW|YP)\d{9,13}YP", r"Y[A-Z]\d{9}YP"),
        ),
    )
}

_S10 = re.compile(r"[A-Z]{2}\d{9}([A-Z]{2})")
_COMPILED: list[tuple[str, re.Pattern[str]]] = [
    (code, re.compile(pattern)) for code, carrier in CARRIERS.items() for pattern in carrier.patterns
]
_BY_S10_COUNTRY = {carrier.s10_country: code for code, carrier in CARRIERS.items() if carrier.s10_country}
# Tried in this order: prefixed formats first, numbers-only last (they overlap the most).
_PREFIXED = [(code, pattern) for code, pattern in _COMPILED if not pattern.pattern.startswith(r"\d")]
_NUMERIC = [(code, pattern) for code, pattern in _COMPILED if pattern.pattern.startswith(r"\d")]


def carrier_get(code: str) -> Carrier | None:
    return CARRIERS.get(code)


def carrier_name(code: str) -> str:
    carrier = CARRIERS.get(code)
    return carrier.name if carrier is not None else ""


def carrier_choices() -> list[tuple[str, str]]:
    """The carriers for a select, by name, then "Other carrier"."""
    choices = sorted(((c.code, c.name) for c in CARRIERS.values()), key=lambda choice: choice[1].lower())
    return [*choices, (OTHER, str(_("Other carrier (give the tracking link)")))]


def tracking_number_normalise(number: str) -> str:
    """The number as carriers print it: spaces and dashes people type taken out, upper case."""
    return re.sub(r"[\s-]+", "", number or "").upper()


def carrier_tracking_url(carrier_code: str, tracking_number: str) -> str:
    """The carrier's public tracking page for the number; "" for a carrier we do not know or an
    empty number."""
    carrier = CARRIERS.get(carrier_code)
    number = (tracking_number or "").strip()
    if carrier is None or not number:
        return ""
    return carrier.url_template.format(number=quote(number, safe=""))


def carrier_guess(tracking_number: str) -> str | None:
    """The code of the carrier whose number format `tracking_number` fits, or None."""
    number = tracking_number_normalise(tracking_number)
    if not number:
        return None
    for code, pattern in _PREFIXED:
        if pattern.fullmatch(number):
            return code
    s10 = _S10.fullmatch(number)
    if s10 is not None:
        if number.startswith("E") and s10.group(1) == "CN":
            return "china_post"  # EMS
        return _BY_S10_COUNTRY.get(s10.group(1))
    for code, pattern in _NUMERIC:
        if pattern.fullmatch(number):
            return code
    return None
