"""Inventory writes: locations, stock levels, reservations, and the log of every change.

Stock numbers change only through conditional UPDATEs (`... WHERE on_hand >= reserved + q`), so
concurrent requests cannot oversell or push stock below zero; the CheckConstraints on
`StockLevel` are the backstop. Each change writes a `StockMovement` (deltas, values after,
reason, reference, actor) in the same transaction, and a change that takes a level's available
quantity from above its low-stock threshold to at or below it emits `inventory.low` on commit.

Reservations move ACTIVE -> COMMITTED (sold) or ACTIVE -> RELEASED, checked in one place
(`_reservation_transition`); repeating a finished transition changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.catalog.models import ProductVariant
from apps.core.events import event_emit
from apps.core.tenancy import current_schema
from apps.inventory.errors import (
    InsufficientStock,
    InvalidQuantity,
    InventoryError,
    InventoryErrorCode,
    LocationCodeTaken,
    LocationInactive,
    LocationInvalid,
    ReservationNotActive,
    StockBelowReserved,
)
from apps.inventory.models import Location, Reservation, StockLevel, StockMovement
from apps.inventory.pickup import PickupDetails, pickup_details_clean
from apps.inventory.selectors import PICKUP_EXISTS_CACHE_KEY
from apps.inventory.signals import stock_shown_changed

__all__ = [
    "InsufficientStock",
    "InvalidQuantity",
    "InventoryError",
    "InventoryErrorCode",
    "LocationCodeTaken",
    "LocationInactive",
    "LocationInvalid",
    "ReservationNotActive",
    "StockBelowReserved",
    "inventory_commit",
    "inventory_release",
    "inventory_reserve",
    "location_save",
    "reservations_release_expired",
    "stock_adjust",
    "stock_set",
]

LOW_STOCK_EVENT = "inventory.low"
# Far below the 32-bit column limit, so no arithmetic on a stock level can overflow it.
MAX_QUANTITY = 1_000_000_000
LOCATION_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
LOCATION_PRIORITY_MAX = 32767
# Kinds a caller may record when it sets or adjusts on hand; the others belong to reservations.
ON_HAND_KINDS = frozenset(
    {
        StockMovement.Kind.ADJUSTED,
        StockMovement.Kind.RECEIVED,
        StockMovement.Kind.SUPPLIER_SYNC,
        StockMovement.Kind.IMPORTED,
    }
)
RESERVATION_TRANSITIONS: dict[str, frozenset[str]] = {
    Reservation.Status.ACTIVE: frozenset({Reservation.Status.COMMITTED, Reservation.Status.RELEASED}),
}


# ------------------------------------------------------------------------------
# locations
# ------------------------------------------------------------------------------
@transaction.atomic
def location_save(
    *,
    location: Location,
    name: str,
    code: str,
    kind: str,
    priority: int,
    is_active: bool,
    pickup: PickupDetails | None = None,
) -> Location:
    """Create (an unsaved `Location()`) or update a location; the code is unique per store.
    `pickup` (address, position, opening hours: see `apps.inventory.pickup`) replaces the
    pickup details when given and leaves them as they are when not."""
    name = name.strip()
    code = code.strip().lower()
    if not name:
        raise LocationInvalid(_("A location needs a name."), field="name")
    if len(name) > 120:
        raise LocationInvalid(
            _("The name is too long (at most 120 characters)."), field="name", params={"max_length": 120}
        )
    if not code or len(code) > 60 or not LOCATION_CODE.match(code):
        raise LocationInvalid(
            _("“%(code)s” is not a valid code: use lowercase letters, digits, hyphens and underscores.")
            % {"code": code},
            field="code",
            params={"code": code},
        )
    if kind not in Location.Kind.values:
        raise LocationInvalid(
            _("Unknown location type “%(kind)s”.") % {"kind": kind}, field="kind", params={"kind": kind}
        )
    if not 0 <= priority <= LOCATION_PRIORITY_MAX:
        params = {"max": LOCATION_PRIORITY_MAX, "value": priority}
        raise LocationInvalid(
            _("The priority must be between 0 and %(max)d.") % params, field="priority", params=params
        )
    pickup_values = pickup_details_clean(pickup, kind=kind) if pickup is not None else {}
    if pickup is None and location.is_pickup and kind != Location.Kind.WAREHOUSE:
        raise LocationInvalid(
            _("Only the store's own locations can be pickup points, not a supplier's."), field="kind"
        )
    taken = _("The code “%(code)s” is already used by another location.") % {"code": code}
    if Location.objects.filter(code=code).exclude(pk=location.pk).exists():
        raise LocationCodeTaken(taken, field="code", params={"code": code})
    location.name, location.code, location.kind = name, code, kind
    location.priority, location.is_active = priority, is_active
    for field, value in pickup_values.items():
        setattr(location, field, value)
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError as exc:  # another request took the code since the check above
        raise LocationCodeTaken(taken, field="code", params={"code": code}) from exc
    _pickup_cache_forget()
    return location


def _pickup_cache_forget() -> None:
    # Now and after commit (a reader may cache the old answer in between); the schema is fixed
    # now because the commit may happen after the caller left the store.
    schema = current_schema()
    cache.delete(PICKUP_EXISTS_CACHE_KEY)

    def forget() -> None:
        with schema_context(schema):
            cache.delete(PICKUP_EXISTS_CACHE_KEY)

    transaction.on_commit(forget)


# ------------------------------------------------------------------------------
# stock levels
# ------------------------------------------------------------------------------
def _stock_level(*, variant: ProductVariant, location: Location) -> StockLevel:
    # get_or_create retries the read when a concurrent insert wins the unique constraint.
    stock, _created = StockLevel.objects.get_or_create(variant=variant, location=location)
    return stock


def _stock_change(
    *,
    stock_id: int,
    kind: str,
    condition: Q,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reason: str = "",
    reference: str = "",
    actor: User | None = None,
) -> StockLevel | None:
    """Apply the deltas in one conditional UPDATE and log the movement; None if `condition`
    did not hold. Must run inside a transaction.

    PostgreSQL re-checks the WHERE clause of a blocked UPDATE against the row the other
    transaction committed, so `condition` holds against the latest numbers. The row stays
    locked by this transaction afterwards, so reading it back gives exactly this change's
    result, and the values before it follow from the deltas.
    """
    updated = StockLevel.objects.filter(condition, pk=stock_id).update(
        on_hand=F("on_hand") + on_hand_delta,
        reserved=F("reserved") + reserved_delta,
        updated_at=Now(),
    )
    if not updated:
        return None
    stock = StockLevel.objects.select_related("variant", "location").get(pk=stock_id)
    StockMovement.objects.create(
        stock=stock,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        on_hand_after=stock.on_hand,
        reserved_after=stock.reserved,
        reason=reason.strip()[:255],
        reference=reference.strip()[:100],
        actor=actor,
    )
    available_before = stock.available - (on_hand_delta - reserved_delta)
    _low_stock_check(stock=stock, available_before=available_before)
    _stock_shown_check(stock=stock, available_before=available_before)
    return stock


def _low_stock_check(*, stock: StockLevel, available_before: int) -> None:
    """Announce the crossing into low stock once, not every change while it stays low."""
    threshold = stock.low_stock_threshold
    if available_before > threshold >= stock.available:
        event_emit(
            name=LOW_STOCK_EVENT,
            payload={
                "sku": stock.variant.sku,
                "variant_id": stock.variant_id,
                "location": stock.location.code,
                "available": stock.available,
                "threshold": threshold,
            },
        )


def _stock_shown_check(*, stock: StockLevel, available_before: int) -> None:
    """Tell cached pages when a shopper would see the change: a count at or below the
    threshold on either side ("only 3 left" -> "only 2 left", "sold out" -> in stock)."""
    if available_before == stock.available:
        return
    if min(available_before, stock.available) > stock.low_stock_threshold:
        return
    variant_id, available = stock.variant_id, stock.available
    transaction.on_commit(
        lambda: stock_shown_changed.send(sender=StockLevel, variant_id=variant_id, available=available)
    )


def _check_on_hand_kind(kind: str) -> None:
    if kind not in ON_HAND_KINDS:
        raise InventoryError(
            _("“%(kind)s” is not a kind of stock change.") % {"kind": kind},
            code=InventoryErrorCode.INVALID_KIND,
            params={"kind": kind},
        )


@transaction.atomic
def stock_set(
    *,
    variant: ProductVariant,
    location: Location,
    on_hand: int,
    reason: str,
    actor: User | None = None,
    kind: str = StockMovement.Kind.ADJUSTED,
    reference: str = "",
) -> StockLevel:
    """Set what is on hand (a count, a supplier's stock, an import); the level is created if
    missing. Refuses to go below what is reserved. Writes nothing when the number is unchanged."""
    _check_on_hand_kind(kind)
    if not 0 <= on_hand <= MAX_QUANTITY:
        params = {"sku": variant.sku, "max": MAX_QUANTITY, "value": on_hand}
        raise InvalidQuantity(
            _("On hand for %(sku)s must be between 0 and %(max)d (got %(value)d).") % params,
            field="on_hand",
            params=params,
        )
    stock = _stock_level(variant=variant, location=location)
    # Locked so the difference recorded is against the number being replaced.
    current = StockLevel.objects.select_for_update().get(pk=stock.pk)
    if on_hand < current.reserved:
        params = {
            "sku": variant.sku,
            "location": location.name,
            "reserved": current.reserved,
            "value": on_hand,
        }
        raise StockBelowReserved(
            _(
                "%(sku)s at %(location)s has %(reserved)d reserved for orders, so on hand cannot be "
                "set to %(value)d."
            )
            % params,
            field="on_hand",
            params=params,
        )
    delta = on_hand - current.on_hand
    if delta == 0:
        return current
    changed = _stock_change(
        stock_id=stock.pk,
        kind=kind,
        condition=Q(),
        on_hand_delta=delta,
        reason=reason,
        reference=reference,
        actor=actor,
    )
    assert changed is not None  # the row is locked by this transaction
    return changed


@transaction.atomic
def stock_adjust(
    *,
    variant: ProductVariant,
    location: Location,
    delta: int,
    reason: str,
    actor: User | None = None,
    reference: str = "",
    kind: str = StockMovement.Kind.ADJUSTED,
) -> StockLevel:
    """Add (`delta` > 0, e.g. goods received) or remove units; never below what is reserved.
    Goods received only add."""
    _check_on_hand_kind(kind)
    if delta == 0 or abs(delta) > MAX_QUANTITY:
        params = {"max": MAX_QUANTITY, "value": delta}
        raise InvalidQuantity(
            _("Enter a change other than zero, at most %(max)d units.") % params, field="delta", params=params
        )
    if kind == StockMovement.Kind.RECEIVED and delta < 0:
        raise InvalidQuantity(
            _("Goods received add units: enter a positive number, or record a removal as a correction."),
            field="delta",
            params={"value": delta},
        )
    stock = _stock_level(variant=variant, location=location)
    changed = _stock_change(
        stock_id=stock.pk,
        kind=kind,
        # on_hand + delta >= reserved, and on_hand + delta <= MAX_QUANTITY
        condition=Q(on_hand__gte=F("reserved") - delta, on_hand__lte=MAX_QUANTITY - delta),
        on_hand_delta=delta,
        reason=reason,
        reference=reference,
        actor=actor,
    )
    if changed is not None:
        return changed
    current = StockLevel.objects.get(pk=stock.pk)
    if current.on_hand + delta > MAX_QUANTITY:
        ceiling = {"sku": variant.sku, "location": location.name, "max": MAX_QUANTITY}
        raise InvalidQuantity(
            _("%(sku)s at %(location)s cannot hold more than %(max)d units.") % ceiling,
            field="delta",
            params=ceiling,
        )
    shortfall = {
        "quantity": -delta,
        "sku": variant.sku,
        "location": location.name,
        "on_hand": current.on_hand,
        "reserved": current.reserved,
        "available": current.available,
    }
    raise InsufficientStock(
        _(
            "Cannot remove %(quantity)d of %(sku)s at %(location)s: %(on_hand)d on hand, "
            "%(reserved)d reserved, so at most %(available)d can be removed."
        )
        % shortfall,
        field="delta",
        params=shortfall,
    )


# ------------------------------------------------------------------------------
# reservations
# ------------------------------------------------------------------------------
@transaction.atomic
def inventory_reserve(
    *,
    variant: ProductVariant,
    quantity: int,
    reference: str,
    location: Location | None = None,
    actor: User | None = None,
    expires_at: datetime | None = None,
) -> Reservation:
    """Hold `quantity` units at the first active location (by priority) that has them all, or
    at `location` when given. Raises `InsufficientStock` when no single location has enough."""
    if not 0 < quantity <= MAX_QUANTITY:
        raise InvalidQuantity(
            _("Reserve at least one unit of %(sku)s.") % {"sku": variant.sku},
            field="quantity",
            params={"sku": variant.sku, "value": quantity},
        )
    if location is not None and not location.is_active:
        raise LocationInactive(
            _("%(location)s is not active; nothing can be reserved there.") % {"location": location.name},
            params={"location": location.name},
        )
    candidates = StockLevel.objects.filter(variant=variant, location__is_active=True)
    if location is not None:
        candidates = candidates.filter(location=location)
    stock_ids = candidates.order_by("location__priority", "location__name", "location_id").values_list(
        "pk", flat=True
    )
    for stock_id in list(stock_ids):
        stock = _stock_change(
            stock_id=stock_id,
            kind=StockMovement.Kind.RESERVED,
            condition=Q(on_hand__gte=F("reserved") + quantity),
            reserved_delta=quantity,
            reference=reference,
            actor=actor,
        )
        if stock is not None:
            return Reservation.objects.create(
                stock=stock, reference=reference.strip()[:100], quantity=quantity, expires_at=expires_at
            )
    available = candidates.aggregate(total=Sum(F("on_hand") - F("reserved")))["total"] or 0
    params = {"available": available, "sku": variant.sku, "quantity": quantity}
    raise InsufficientStock(
        _("Only %(available)d of %(sku)s available; %(quantity)d requested.") % params,
        field="quantity",
        params=params,
    )


def _reservation_transition(*, reservation: Reservation, to: str) -> tuple[Reservation, bool]:
    """The one place a reservation's status changes. Returns the reservation and whether this
    call changed it: repeating a finished transition is a no-op, any other move is refused.
    The row lock makes concurrent repeats wait and then see the finished state."""
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status == to:
        return current, False
    if to not in RESERVATION_TRANSITIONS.get(current.status, frozenset()):
        raise ReservationNotActive(
            _("Reservation %(reference)s is already %(status)s.")
            % {"reference": current.reference, "status": current.get_status_display().lower()},
            params={"reference": current.reference, "status": current.status},
        )
    current.status = to
    current.save(update_fields=["status", "updated_at"])
    return current, True


def _stock_inconsistent(reservation: Reservation) -> InventoryError:
    return InventoryError(
        _("The stock held by reservation %(reference)s is missing.") % {"reference": reservation.reference},
        code=InventoryErrorCode.STOCK_INCONSISTENT,
        params={"reference": reservation.reference},
    )


@transaction.atomic
def inventory_commit(*, reservation: Reservation, actor: User | None = None) -> Reservation:
    """The reserved units are sold: they leave on hand and reserved together."""
    current, changed = _reservation_transition(reservation=reservation, to=Reservation.Status.COMMITTED)
    if changed:
        quantity = current.quantity
        stock = _stock_change(
            stock_id=current.stock_id,
            kind=StockMovement.Kind.COMMITTED,
            condition=Q(reserved__gte=quantity, on_hand__gte=quantity),
            on_hand_delta=-quantity,
            reserved_delta=-quantity,
            reference=current.reference,
            actor=actor,
        )
        if stock is None:
            raise _stock_inconsistent(current)
    return current


@transaction.atomic
def inventory_release(*, reservation: Reservation, actor: User | None = None) -> Reservation:
    """The reserved units go back to available (a cart expired, an order was cancelled)."""
    current, changed = _reservation_transition(reservation=reservation, to=Reservation.Status.RELEASED)
    if changed:
        stock = _stock_change(
            stock_id=current.stock_id,
            kind=StockMovement.Kind.RELEASED,
            condition=Q(reserved__gte=current.quantity),
            reserved_delta=-current.quantity,
            reference=current.reference,
            actor=actor,
        )
        if stock is None:
            raise _stock_inconsistent(current)
    return current


def reservations_release_expired(*, now: datetime | None = None) -> int:
    """Release active reservations past their expiry, each in its own transaction; returns how
    many were due and are now released (one committed meanwhile is left alone)."""
    now = now or timezone.now()
    expired = Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
    released = 0
    for reservation in expired.order_by("expires_at", "id"):
        try:
            inventory_release(reservation=reservation)
        except ReservationNotActive:
            continue
        released += 1
    return released
