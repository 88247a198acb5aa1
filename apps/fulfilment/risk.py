"""Late-shipment risk: for each open paid order, when will it arrive, against when was it
promised, and should the shopper hear about it.

- Promised: what the product page showed when the order was paid, by the same rules
  (`apps.catalog.storefront_selectors.delivery_estimate`: the soonest-shipping active supplier's
  lead time and country, else the store's dispatch days; the latest day of the window), the
  latest over the order's lines. Fixed once computed: a supplier changing its terms later does
  not move what the shopper was told.
- Estimated, per part of the order:
  - a line not shipped yet: the promise while the supplier is within its lead time plus
    `SHIP_GRACE_DAYS`; after that it ships today at the earliest, so today + transit days
    (`late_supplier`);
  - a shipment on its way: the carrier's own estimate, else the day it shipped + transit days
    (`TRANSIT_DAYS`, by origin and destination region and carrier; `late_transit` when past the
    promise); a scan saying "exception"/"returned" (`exception`) or no new scan for
    `STALLED_DAYS` (`stalled`) puts it at risk whatever the dates;
  - a delivered shipment is done.
  The order's estimate is the latest of its parts.

`delivery_risks_evaluate` (the hourly store job "fulfilment.delivery_risks") stores one
`DeliveryRisk` per open order and emits `order.delivery_at_risk` (extra `estimated_delivery`,
`promised_delivery` ISO dates, `reason`) with a DELIVERY_AT_RISK timeline entry the first time an
order is at risk, and again only when the estimate moved `RENOTIFY_SLIP_DAYS` or more beyond the
one the shopper was told: an hourly job never repeats itself, and a supplier late day after day
is not an email a day.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.storefront_selectors import delivery_estimate
from apps.fulfilment.enums import FulfilmentStatus, RiskReason
from apps.fulfilment.models import DeliveryRisk, Fulfilment
from apps.fulfilment.selectors import fulfilled_quantities, shipments_by_order
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order
from apps.orders.timeline import order_emit, order_event_add
from apps.sourcing.models import SupplierOffer
from apps.stores.selectors import store_settings_get

ORDER_DELIVERY_AT_RISK = "order.delivery_at_risk"
S = OrderStatus
OPEN_STATUSES = frozenset({S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED})
SHIP_GRACE_DAYS = 2
STALLED_DAYS = 5
RENOTIFY_SLIP_DAYS = 3
BATCH = 200
EXCEPTION_STATUSES = frozenset(
    {"exception", "returned", "return_to_sender", "returned_to_sender", "lost", "damaged", "failed"}
)
# The reason shown when several parts are at risk: the most urgent first.
REASON_RANK = {
    RiskReason.EXCEPTION: 4,
    RiskReason.STALLED: 3,
    RiskReason.LATE_SUPPLIER: 2,
    RiskReason.LATE_TRANSIT: 1,
    RiskReason.ON_TIME: 0,
}

# ------------------------------------------------------------------------------
# transit days
# ------------------------------------------------------------------------------
_EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "CH",
        "NO",
        "IS",
        "LI",
    ]
)
_REGIONS: dict[str, frozenset[str]] = {
    "EU": _EU,
    "UK": frozenset({"GB", "UK", "IE"}),
    "NA": frozenset({"US", "CA"}),
    "CN": frozenset({"CN", "HK", "MO", "TW"}),
    "ASIA": frozenset({"JP", "KR", "SG", "MY", "TH", "VN", "ID", "PH", "IN"}),
    "OC": frozenset({"AU", "NZ"}),
}
# (origin region, destination region) -> (fewest, most) days in transit. Pairs not listed take
# the catalog's international range, the one the product page promises.
TRANSIT_DAYS: dict[tuple[str, str], tuple[int, int]] = {
    ("EU", "EU"): (2, 6),
    ("EU", "UK"): (3, 7),
    ("UK", "EU"): (3, 7),
    ("UK", "UK"): (1, 4),
    ("NA", "NA"): (3, 7),
    ("CN", "ASIA"): (5, 10),
    ("ASIA", "ASIA"): (4, 9),
    ("OC", "OC"): (3, 7),
}
# Express carriers cross borders in days, whatever the regions.
EXPRESS_CARRIERS = frozenset({"dhl", "ups", "fedex"})
EXPRESS_DAYS = (2, 6)


def country_region(country: str) -> str:
    country = (country or "").upper()
    for region, countries in _REGIONS.items():
        if country in countries:
            return region
    return ""


def transit_days(*, origin: str, destination: str, carrier: str = "") -> tuple[int, int]:
    """(fewest, most) days a parcel takes from `origin` to `destination` country with `carrier`."""
    origin, destination = (origin or "").upper(), (destination or "").upper()
    if origin and origin == destination:
        return settings.CATALOG_TRANSIT_DAYS_DOMESTIC
    if carrier in EXPRESS_CARRIERS:
        return EXPRESS_DAYS
    pair = (country_region(origin), country_region(destination))
    return TRANSIT_DAYS.get(pair, settings.CATALOG_TRANSIT_DAYS_INTERNATIONAL)


# ------------------------------------------------------------------------------
# one order
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SupplierTerms:
    lead_time_days: int | None
    ships_from: str


@dataclass(frozen=True)
class Assessment:
    estimated: date | None
    promised: date | None
    at_risk: bool
    reason: str


def supplier_terms(variant_ids: Iterable[int]) -> dict[int, SupplierTerms]:
    """The soonest-shipping active supplier of each variant, chosen as the product page
    chooses it (offers the supplier has available first, then the shortest lead time): one query."""
    terms: dict[int, SupplierTerms] = {}
    rows = (
        SupplierOffer.objects.filter(variant_id__in=[v for v in variant_ids if v], supplier__is_active=True)
        .order_by("variant_id", "-is_available", "supplier__lead_time_days", "id")
        .values_list("variant_id", "supplier__lead_time_days", "supplier__ships_from_country")
    )
    for variant_id, lead_time, country in rows:
        if variant_id not in terms:
            terms[variant_id] = SupplierTerms(lead_time_days=lead_time, ships_from=(country or "").upper())
    return terms


def _day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return timezone.localtime(moment, zone).date()


def order_delivery_assess(
    *,
    order: Order,
    terms: dict[int, SupplierTerms],
    shipments: Sequence[Fulfilment],
    shipped: dict[int, int],
    store_country: str,
    now: datetime,
    zone: zoneinfo.ZoneInfo,
    promised: date | None = None,
) -> Assessment:
    """Judge one order (pure: everything it reads is passed in; `order.lines` prefetched)."""
    assert order.paid_at is not None
    today = _day(now, zone)
    paid_day = _day(order.paid_at, zone)
    lines = list(order.lines.all())
    destination = str((order.shipping_address or {}).get("country") or "").upper()
    no_terms = SupplierTerms(lead_time_days=None, ships_from="")

    def line_estimate(variant_id: int | None, day: date) -> date:
        term = terms.get(variant_id or 0, no_terms)
        return delivery_estimate(
            lead_time_days=term.lead_time_days,
            ships_from_country=term.ships_from or None,
            store_country=store_country,
            today=day,
        ).latest

    if promised is None and lines:
        promised = max(line_estimate(line.variant_id, paid_day) for line in lines)
    parts: list[tuple[date, str]] = []
    forced: list[str] = []
    for line in lines:
        if line.quantity - shipped.get(line.pk, 0) <= 0:
            continue
        term = terms.get(line.variant_id or 0, no_terms)
        dispatch = term.lead_time_days if term.lead_time_days is not None else settings.CATALOG_DISPATCH_DAYS
        due = paid_day + timedelta(days=dispatch + SHIP_GRACE_DAYS)
        if today > due:
            origin = term.ships_from if term.lead_time_days is not None else store_country
            most = transit_days(origin=origin, destination=destination or store_country)[1]
            parts.append((today + timedelta(days=most), RiskReason.LATE_SUPPLIER))
        else:
            parts.append((line_estimate(line.variant_id, paid_day), RiskReason.ON_TIME))
    by_line = {line.pk: line for line in lines}
    for shipment in shipments:
        if shipment.status in (FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED):
            continue
        scans = list(shipment.events.all())
        last = max(scans, key=lambda scan: scan.occurred_at) if scans else None
        origin = store_country
        for fulfilment_line in shipment.lines.all():
            shipped_line = by_line.get(fulfilment_line.order_line_id)
            line_terms = terms.get(shipped_line.variant_id or 0) if shipped_line is not None else None
            if line_terms is not None and line_terms.lead_time_days is not None:
                origin = line_terms.ships_from
                break
        if shipment.estimated_delivery is not None:
            estimate = shipment.estimated_delivery
        else:
            most = transit_days(
                origin=origin, destination=destination or store_country, carrier=shipment.carrier
            )[1]
            estimate = _day(shipment.shipped_at, zone) + timedelta(days=most)
        reason = (
            RiskReason.LATE_TRANSIT if promised is not None and estimate > promised else RiskReason.ON_TIME
        )
        parts.append((estimate, reason))
        if last is not None and last.status in EXCEPTION_STATUSES:
            forced.append(RiskReason.EXCEPTION)
        elif now - (last.occurred_at if last is not None else shipment.shipped_at) >= timedelta(
            days=STALLED_DAYS
        ):
            forced.append(RiskReason.STALLED)
    if not parts:
        return Assessment(estimated=None, promised=promised, at_risk=False, reason=RiskReason.ON_TIME)
    estimated = max(day for day, _reason in parts)
    late = [reason for day, reason in parts if promised is not None and day > promised]
    reasons = forced + [reason for reason in late if reason != RiskReason.ON_TIME]
    if not reasons and late:
        reasons = [RiskReason.LATE_TRANSIT]
    if not reasons:
        return Assessment(estimated=estimated, promised=promised, at_risk=False, reason=RiskReason.ON_TIME)
    worst = max(reasons, key=lambda r: REASON_RANK[RiskReason(r)])
    return Assessment(estimated=estimated, promised=promised, at_risk=True, reason=str(worst))


# ------------------------------------------------------------------------------
# the job
# ------------------------------------------------------------------------------
def _store_zone() -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(store_settings_get().timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _should_notify(risk: DeliveryRisk, assessment: Assessment) -> bool:
    if not assessment.at_risk or assessment.estimated is None:
        return False
    if risk.notified_estimate is None:
        return True
    return assessment.estimated >= risk.notified_estimate + timedelta(days=RENOTIFY_SLIP_DAYS)


def _record(*, order: Order, risk: DeliveryRisk | None, assessment: Assessment, now: datetime) -> bool:
    """Store the judgement; tell the shopper when it is news. True when they were told."""
    with transaction.atomic():
        if risk is None:
            risk = DeliveryRisk(order=order, evaluated_at=now)
        risk.estimated_delivery = assessment.estimated
        risk.promised_delivery = assessment.promised
        risk.at_risk = assessment.at_risk
        risk.reason = assessment.reason
        risk.evaluated_at = now
        notify = _should_notify(risk, assessment)
        if notify:
            risk.notified_at = now
            risk.notified_estimate = assessment.estimated
        risk.save()
        if notify:
            estimated = assessment.estimated.isoformat() if assessment.estimated else ""
            promised = assessment.promised.isoformat() if assessment.promised else ""
            order_event_add(
                order=order,
                kind=OrderEventKind.DELIVERY_AT_RISK,
                params={"estimated": estimated, "promised": promised, "reason": assessment.reason},
            )
            order_emit(
                name=ORDER_DELIVERY_AT_RISK,
                order=order,
                estimated_delivery=estimated,
                promised_delivery=promised,
                reason=assessment.reason,
            )
    return notify


def delivery_risks_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Judge every open paid order of the current store (the hourly job); a fixed number of
    queries per batch of `BATCH` orders, plus the writes of those whose judgement changed."""
    now = now or timezone.now()
    zone = _store_zone()
    store_country = (store_settings_get().country or "").upper()
    open_ids = list(
        Order.objects.filter(status__in=OPEN_STATUSES, paid_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summary = {"evaluated": 0, "at_risk": 0, "notified": 0}
    for start in range(0, len(open_ids), BATCH):
        ids = open_ids[start : start + BATCH]
        orders = list(Order.objects.filter(pk__in=ids).prefetch_related("lines").order_by("pk"))
        variant_ids = {line.variant_id for order in orders for line in order.lines.all() if line.variant_id}
        terms = supplier_terms(variant_ids)
        shipments = shipments_by_order(ids)
        shipped = fulfilled_quantities(ids)
        risks = {risk.order_id: risk for risk in DeliveryRisk.objects.filter(order_id__in=ids)}
        for order in orders:
            risk = risks.get(order.pk)
            assessment = order_delivery_assess(
                order=order,
                terms=terms,
                shipments=shipments.get(order.pk, []),
                shipped=shipped,
                store_country=store_country,
                now=now,
                zone=zone,
                promised=risk.promised_delivery if risk is not None else None,
            )
            summary["evaluated"] += 1
            summary["at_risk"] += int(assessment.at_risk)
            unchanged = (
                risk is not None
                and (risk.estimated_delivery, risk.promised_delivery, risk.at_risk, risk.reason)
                == (assessment.estimated, assessment.promised, assessment.at_risk, assessment.reason)
                and not _should_notify(risk, assessment)
            )
            if unchanged:
                continue
            summary["notified"] += int(_record(order=order, risk=risk, assessment=assessment, now=now))
    # Orders that left the open statuses (delivered, cancelled, refunded) are no longer at risk.
    DeliveryRisk.objects.filter(at_risk=True).exclude(order__status__in=OPEN_STATUSES).update(
        at_risk=False, evaluated_at=now
    )
    return summary
