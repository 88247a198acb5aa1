"""Shipping an order: creating shipments, cancelling one, recording what the carrier says, and
marking one delivered. The order's status follows its shipments.

Every write locks the order first (`apps.orders.locks.order_lock`), so two members of staff
shipping the last units at once ship them once, and checks what is left to ship under that
lock. A refusal raises `FulfilmentError` before anything is written. The order's status moves
through `apps.orders.transitions._order_transition`: paid (or partially refunded) ->
partially_fulfilled -> fulfilled -> delivered. The state machine has no way back, so cancelling
a shipment leaves the order's status where it was; the units are free to ship again.

Events (after commit): `order.fulfilled` for each shipment and `order.delivered` when one is
delivered, both with `fulfilment={"id", "carrier", "carrier_name", "tracking_number",
"tracking_url", "lines": [{"sku", "title", "quantity"}]}`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.fulfilment.carriers import OTHER, carrier_get, carrier_tracking_url, tracking_number_normalise
from apps.fulfilment.enums import FulfilmentSource, FulfilmentStatus
from apps.fulfilment.errors import FulfilmentError, FulfilmentErrorCode
from apps.fulfilment.models import Fulfilment, FulfilmentLine, TrackingEvent
from apps.fulfilment.selectors import remaining_quantities
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderLine
from apps.orders.timeline import order_emit, order_event_add
from apps.orders.transitions import _order_transition, transition_allowed

if TYPE_CHECKING:
    from apps.accounts.models import User

ORDER_FULFILLED = "order.fulfilled"
ORDER_DELIVERED = "order.delivered"

S = OrderStatus
E = FulfilmentErrorCode
# Statuses in which an order may ship (more): paid, and not refunded in full or cancelled.
FULFILLABLE_STATUSES = frozenset({S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED})
TRACKING_NUMBER = re.compile(r"[A-Z0-9]{4,60}")
# Carrier statuses (as suppliers and carriers word them) that move the shipment along.
TRACKING_STATUSES = {
    "in_transit": FulfilmentStatus.IN_TRANSIT,
    "transit": FulfilmentStatus.IN_TRANSIT,
    "out_for_delivery": FulfilmentStatus.OUT_FOR_DELIVERY,
    "delivered": FulfilmentStatus.DELIVERED,
}


@dataclass(frozen=True)
class TrackingUpdate:
    """One scan as a carrier or supplier reports it."""

    occurred_at: datetime
    status: str
    description: str = ""
    location: str = ""


# ------------------------------------------------------------------------------
# payloads
# ------------------------------------------------------------------------------
def _line_title(line: OrderLine) -> str:
    return f"{line.product_title} · {line.variant_title}" if line.variant_title else line.product_title


def fulfilment_payload(
    fulfilment: Fulfilment, lines: Sequence[FulfilmentLine] | None = None
) -> dict[str, Any]:
    """What `order.fulfilled` / `order.delivered` carry about the shipment."""
    lines = list(fulfilment.lines.select_related("order_line") if lines is None else lines)
    return {
        "id": fulfilment.pk,
        "carrier": fulfilment.carrier,
        "carrier_name": fulfilment.carrier_name,
        "tracking_number": fulfilment.tracking_number,
        "tracking_url": fulfilment.tracking_url,
        "lines": [
            {"sku": line.order_line.sku, "title": _line_title(line.order_line), "quantity": line.quantity}
            for line in lines
        ],
    }


# ------------------------------------------------------------------------------
# checks (before anything is written)
# ------------------------------------------------------------------------------
def _tracking_number_clean(tracking_number: str) -> str:
    number = tracking_number_normalise(tracking_number)
    if not number:
        raise FulfilmentError(
            _("Enter the tracking number."), code=E.TRACKING_NUMBER_REQUIRED, field="tracking_number"
        )
    if not TRACKING_NUMBER.fullmatch(number):
        raise FulfilmentError(
            _("A tracking number has 4 to 60 letters and digits."),
            code=E.TRACKING_NUMBER_INVALID,
            field="tracking_number",
            params={"tracking_number": number[:100]},
        )
    return number


def _tracking_url_clean(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise FulfilmentError(
            _("Enter the full tracking link, starting with https://."),
            code=E.TRACKING_URL_INVALID,
            field="tracking_url",
        ) from None
    if len(url) > 1000:
        raise FulfilmentError(
            _("The tracking link is too long."), code=E.TRACKING_URL_INVALID, field="tracking_url"
        )
    return url


def _carrier_resolve(
    *, carrier: str, carrier_name: str, number: str, tracking_url: str
) -> tuple[str, str, str]:
    """(code, name, tracking link) for the shipment; an unknown carrier needs its own link."""
    code = (carrier or "").strip().lower()
    known = carrier_get(code)
    if known is not None:
        return known.code, known.name, tracking_url or carrier_tracking_url(known.code, number)
    if not tracking_url:
        raise FulfilmentError(
            _("This carrier is not one we know: give the link where the shopper can track the parcel."),
            code=E.CARRIER_UNKNOWN,
            field="tracking_url" if code == OTHER else "carrier",
            params={"carrier": code[:40]},
        )
    name = (carrier_name or "").strip()[:100] or (code if code and code != OTHER else _("Other carrier"))
    return (re.sub(r"[^a-z0-9_]+", "_", code)[:40] or OTHER), name, tracking_url


def _quantities_clean(order: Order, lines: Sequence[tuple[OrderLine, int]]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for line, quantity in lines:
        if line.order_id != order.pk:
            raise FulfilmentError(
                _("That item is not part of order #%(number)s.") % {"number": order.number},
                code=E.LINE_UNKNOWN,
                params={"line": line.pk},
            )
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise FulfilmentError(
                _("Quantities are whole numbers, 0 or more."),
                code=E.QUANTITY_INVALID,
                params={"line": line.pk, "quantity": str(quantity)},
            )
        if quantity:
            wanted[line.pk] = wanted.get(line.pk, 0) + quantity
    if not wanted:
        raise FulfilmentError(_("Choose at least one item to ship."), code=E.NOTHING_TO_FULFIL)
    return wanted


def _fulfillable_check(order: Order) -> None:
    if order.status in FULFILLABLE_STATUSES:
        return
    if order.status == S.PENDING:
        message = _("Order #%(number)s is not paid yet: it cannot ship.")
    elif order.status == S.CANCELLED:
        message = _("Order #%(number)s is cancelled: it cannot ship.")
    elif order.status == S.REFUNDED:
        message = _("Order #%(number)s was refunded in full: it cannot ship.")
    else:
        message = _("Order #%(number)s has shipped everything already.")
    raise FulfilmentError(
        message % {"number": order.number},
        code=E.ORDER_NOT_FULFILLABLE,
        params={"number": order.number, "status": order.status},
    )


# ------------------------------------------------------------------------------
# the order's status
# ------------------------------------------------------------------------------
def _order_status_follow(*, order: Order, actor: User | None) -> None:
    """Move the (locked) order to the status its live shipments describe, when the state
    machine allows it; nothing shipped (every shipment cancelled) changes nothing."""
    ordered = OrderLine.objects.filter(order=order).aggregate(units=Sum("quantity"))["units"] or 0
    live = Fulfilment.objects.filter(order=order).exclude(status=FulfilmentStatus.CANCELLED)
    shipped = (
        FulfilmentLine.objects.filter(fulfilment__in=live).aggregate(units=Sum("quantity"))["units"] or 0
    )
    if shipped <= 0:
        return
    if shipped < ordered:
        target = S.PARTIALLY_FULFILLED
    elif not live.exclude(status=FulfilmentStatus.DELIVERED).exists():
        target = S.DELIVERED
    else:
        target = S.FULFILLED
    if target == order.status:
        return
    steps = [target]
    if target == S.DELIVERED and not transition_allowed(current=order.status, to=target):
        steps = [S.FULFILLED, S.DELIVERED]  # everything shipped and arrived in one go
    for step in steps:
        if transition_allowed(current=order.status, to=step):
            _order_transition(order=order, to=step, actor=actor, params={"reason": "fulfilment"})


def _caller_sync(order: Order, locked: Order) -> None:
    for field in ("status", "paid_at", "updated_at"):
        setattr(order, field, getattr(locked, field))


# ------------------------------------------------------------------------------
# services
# ------------------------------------------------------------------------------
def fulfilment_create(
    *,
    order: Order,
    lines: list[tuple[OrderLine, int]],
    carrier: str,
    tracking_number: str,
    tracking_url: str = "",
    actor: User | None = None,
    source: str = FulfilmentSource.MANUAL,
    purchase_order_id: int | None = None,
    carrier_name: str = "",
    estimated_delivery: date | None = None,
    submission_token: uuid.UUID | None = None,
) -> Fulfilment:
    """Ship `quantity` units of each given line with `carrier` under `tracking_number`.

    Refused (nothing written) when the order is not paid, cancelled or refunded in full, when a
    line is not the order's or more units are asked than are left to ship, when the tracking
    number is empty or malformed, or when the carrier is unknown and no tracking link is given;
    and when a shipment was already recorded with `submission_token` (`ALREADY_RECORDED`: the
    staff form posted twice, checked under the order's lock so two posts at once ship once).
    """
    number = _tracking_number_clean(tracking_number)
    url = _tracking_url_clean(tracking_url)
    code, name, url = _carrier_resolve(
        carrier=carrier, carrier_name=carrier_name, number=number, tracking_url=url
    )
    if source not in FulfilmentSource.values:
        raise ValueError(f"unknown fulfilment source {source!r}")
    wanted = _quantities_clean(order, lines)
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if (
            submission_token is not None
            and Fulfilment.objects.filter(submission_token=submission_token).exists()
        ):
            raise FulfilmentError(
                _("This shipment was already recorded; nothing more was shipped."),
                code=E.ALREADY_RECORDED,
                params={"number": locked.number},
            )
        _fulfillable_check(locked)
        order_lines = {line.pk: line for line in OrderLine.objects.filter(order=locked)}
        remaining = remaining_quantities(locked, order_lines.values())
        for line_id, quantity in wanted.items():
            line = order_lines.get(line_id)
            if line is None:  # removed by an edit since the form was shown
                raise FulfilmentError(
                    _("That item is no longer part of order #%(number)s.") % {"number": locked.number},
                    code=E.LINE_UNKNOWN,
                    params={"line": line_id},
                )
            if quantity > remaining[line_id]:
                params = {
                    "sku": line.sku or line.product_title,
                    "left": remaining[line_id],
                    "quantity": quantity,
                }
                raise FulfilmentError(
                    _("Only %(left)s units of %(sku)s are left to ship; %(quantity)s were asked.") % params,
                    code=E.QUANTITY_TOO_LARGE,
                    field=f"line_{line_id}",
                    params={**params, "line": line_id},
                )
        fulfilment = Fulfilment.objects.create(
            order=locked,
            carrier=code,
            carrier_name=name,
            tracking_number=number,
            tracking_url=url,
            source=source,
            purchase_order_id=purchase_order_id,
            shipped_at=timezone.now(),
            estimated_delivery=estimated_delivery,
            created_by=actor,
            submission_token=submission_token,
        )
        created = FulfilmentLine.objects.bulk_create(
            [
                FulfilmentLine(fulfilment=fulfilment, order_line=order_lines[line_id], quantity=quantity)
                for line_id, quantity in wanted.items()
            ]
        )
        order_event_add(
            order=locked,
            kind=OrderEventKind.FULFILMENT_CREATED,
            params={
                "units": sum(wanted.values()),
                "carrier": name,
                "tracking_number": number,
                "tracking_url": url,
                "fulfilment": fulfilment.pk,
            },
            actor=actor,
        )
        _order_status_follow(order=locked, actor=actor)
        order_emit(name=ORDER_FULFILLED, order=locked, fulfilment=fulfilment_payload(fulfilment, created))
    _caller_sync(order, locked)
    return fulfilment


def _locked_fulfilment(fulfilment: Fulfilment) -> tuple[Order, Fulfilment]:
    """Lock the shipment's order, then the shipment (call inside a transaction)."""
    locked_order = order_lock(order_id=fulfilment.order_id)
    locked = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
    return locked_order, locked


def _refresh(fulfilment: Fulfilment, locked: Fulfilment) -> None:
    for field in ("status", "delivered_at", "cancelled_at", "updated_at"):
        setattr(fulfilment, field, getattr(locked, field))


def fulfilment_cancel(*, fulfilment: Fulfilment, actor: User | None = None) -> Fulfilment:
    """Call off a shipment that has not arrived (entered by mistake, parcel lost and sent
    again): its units may ship again. A delivered or already cancelled one is refused."""
    with transaction.atomic():
        order, locked = _locked_fulfilment(fulfilment)
        if locked.status == FulfilmentStatus.CANCELLED:
            raise FulfilmentError(_("This shipment is already cancelled."), code=E.CANCELLED)
        if locked.status == FulfilmentStatus.DELIVERED:
            raise FulfilmentError(
                _("This shipment was delivered: it can no longer be cancelled."), code=E.NOT_CANCELLABLE
            )
        locked.status = FulfilmentStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        order_event_add(
            order=order,
            kind=OrderEventKind.FULFILMENT_CANCELLED,
            params={"tracking_number": locked.tracking_number, "fulfilment": locked.pk},
            actor=actor,
        )
    _refresh(fulfilment, locked)
    return locked


def _deliver(*, order: Order, fulfilment: Fulfilment, at: datetime, actor: User | None) -> None:
    fulfilment.status = FulfilmentStatus.DELIVERED
    fulfilment.delivered_at = at
    fulfilment.save(update_fields=["status", "delivered_at", "updated_at"])
    order_event_add(
        order=order,
        kind=OrderEventKind.DELIVERED,
        params={"tracking_number": fulfilment.tracking_number, "fulfilment": fulfilment.pk},
        actor=actor,
    )
    _order_status_follow(order=order, actor=actor)
    if order.status == OrderStatus.DELIVERED:
        # Once per order, when its last parcel arrives: the shopper's "delivered" email and the
        # review request are about the whole order, not each parcel.
        order_emit(name=ORDER_DELIVERED, order=order, fulfilment=fulfilment_payload(fulfilment))


def fulfilment_mark_delivered(
    *, fulfilment: Fulfilment, actor: User | None = None, delivered_at: datetime | None = None
) -> Fulfilment:
    """The parcel arrived (staff say so, or the carrier did). Marking it twice does nothing more."""
    with transaction.atomic():
        order, locked = _locked_fulfilment(fulfilment)
        if locked.status == FulfilmentStatus.CANCELLED:
            raise FulfilmentError(_("This shipment was cancelled."), code=E.CANCELLED)
        if locked.status != FulfilmentStatus.DELIVERED:
            _deliver(order=order, fulfilment=locked, at=delivered_at or timezone.now(), actor=actor)
    _refresh(fulfilment, locked)
    return locked


def _event_clean(event: TrackingUpdate) -> TrackingEvent:
    occurred_at = event.occurred_at
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, UTC)
    return TrackingEvent(
        occurred_at=occurred_at,
        status=(event.status or "").strip().lower().replace(" ", "_")[:40],
        description=(event.description or "").strip()[:500],
        location=(event.location or "").strip()[:200],
    )


def _event_key(event: TrackingEvent) -> tuple[datetime, str, str, str]:
    return (event.occurred_at, event.status, event.description, event.location)


def fulfilment_tracking_record(
    *, fulfilment: Fulfilment, events: list[TrackingUpdate], delivered: bool, actor: User | None = None
) -> None:
    """Store the carrier's scans (each once, however often they are synced), move the shipment
    along with the newest one, and mark it delivered when the carrier says so."""
    with transaction.atomic():
        order, locked = _locked_fulfilment(fulfilment)
        if locked.status == FulfilmentStatus.CANCELLED:
            raise FulfilmentError(_("This shipment was cancelled."), code=E.CANCELLED)
        cleaned: dict[tuple[datetime, str, str, str], TrackingEvent] = {}
        for update in events:
            row = _event_clean(update)
            cleaned.setdefault(_event_key(row), row)
        existing = {
            (occurred_at, status, description, location)
            for occurred_at, status, description, location in locked.events.values_list(
                "occurred_at", "status", "description", "location"
            )
        }
        latest_before = max((key[0] for key in existing), default=None)
        new = [row for key, row in cleaned.items() if key not in existing]
        for row in new:
            row.fulfilment = locked
        TrackingEvent.objects.bulk_create(new, ignore_conflicts=True)
        newest = max(new, key=lambda row: row.occurred_at, default=None)
        if newest is not None and (latest_before is None or newest.occurred_at >= latest_before):
            moved = TRACKING_STATUSES.get(newest.status)
            if moved not in (None, FulfilmentStatus.DELIVERED, locked.status) and not locked.is_delivered:
                locked.status = moved
                locked.save(update_fields=["status", "updated_at"])
            order_event_add(
                order=order,
                kind=OrderEventKind.TRACKING_UPDATED,
                params={
                    "tracking_number": locked.tracking_number,
                    "status": newest.description or newest.status,
                    "location": newest.location,
                    "fulfilment": locked.pk,
                },
                actor=actor,
            )
        arrived = delivered or any(row.status == "delivered" for row in cleaned.values())
        if arrived and locked.status != FulfilmentStatus.DELIVERED:
            delivered_rows = [row.occurred_at for row in cleaned.values() if row.status == "delivered"]
            at = max(delivered_rows) if delivered_rows else timezone.now()
            _deliver(order=order, fulfilment=locked, at=at, actor=actor)
    _refresh(fulfilment, locked)
