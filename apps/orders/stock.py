"""An order's stock, through `apps.inventory.services` only: reservations named after the order
(`order:<uuid>`, one per variant and location), committed when it is paid, released when a
payment fails, the hold expires or the order is cancelled, and put back on hand when a paid
order is cancelled or edited down.

Variants are always handled in id order, so two orders reserving overlapping variants lock
the stock rows in the same order and cannot deadlock. `Order.stock_status` says where the
order's units stand; these helpers keep it and write the timeline entries.

Inventory's own job (`inventory.reservations_release_expired`) may release an order's expired
reservations before the orders job gets to the order; everything here copes with finding them
released already.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from apps.catalog.models import ProductVariant
from apps.inventory.errors import InsufficientStock, InvalidQuantity, LocationInactive, ReservationNotActive
from apps.inventory.models import Reservation, StockMovement
from apps.inventory.services import inventory_commit, inventory_release, inventory_reserve, stock_adjust
from apps.orders.enums import OrderEventKind, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, OrderLine
from apps.orders.timeline import order_event_add

if TYPE_CHECKING:
    from apps.accounts.models import User


def order_quantities(order: Order) -> dict[int, int]:
    """Units per variant the order's lines hold (lines whose variant was deleted count none)."""
    quantities: dict[int, int] = defaultdict(int)
    for variant_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        quantities[variant_id] += quantity
    return dict(quantities)


def _reservations(order: Order, status: str) -> list[Reservation]:
    return list(
        Reservation.objects.filter(reference=order.reference, status=status)
        .select_related("stock__variant", "stock__location")
        .order_by("stock__variant_id", "stock_id", "id")
    )


def sold_out_error(exc: InsufficientStock | InvalidQuantity | LocationInactive) -> OrderError:
    params = dict(exc.params)
    return OrderError(
        _("Sorry, %(sku)s sold out while you were checking out: only %(available)s left.")
        % {"sku": params.get("sku", ""), "available": params.get("available", 0)},
        code=OrderErrorCode.SOLD_OUT,
        params=params,
    )


def stock_reserve(
    *,
    order: Order,
    quantities: Mapping[int, int],
    expires_at: datetime | None,
    actor: User | None = None,
) -> int:
    """Hold `quantities` (variant id -> units) for the order; raises `OrderError(SOLD_OUT)`
    when a variant has not enough (the caller's transaction then undoes the others)."""
    variants = ProductVariant.objects.in_bulk([vid for vid, qty in quantities.items() if qty > 0])
    units = 0
    for variant_id in sorted(variants):
        quantity = quantities[variant_id]
        try:
            inventory_reserve(
                variant=variants[variant_id],
                quantity=quantity,
                reference=order.reference,
                expires_at=expires_at,
                actor=actor,
            )
        except (InsufficientStock, InvalidQuantity, LocationInactive) as exc:
            raise sold_out_error(exc) from exc
        units += quantity
    if units:
        order.stock_status = OrderStockStatus.RESERVED
        if order.pk is not None:  # a new order records it once it is saved
            order_event_add(
                order=order, kind=OrderEventKind.STOCK_RESERVED, params={"units": units}, actor=actor
            )
    return units


def stock_release(*, order: Order, actor: User | None = None, variant_id: int | None = None) -> int:
    """Give back what the order holds (of one variant, or all); returns the units released."""
    units = 0
    for reservation in _reservations(order, Reservation.Status.ACTIVE):
        if variant_id is not None and reservation.stock.variant_id != variant_id:
            continue
        try:
            inventory_release(reservation=reservation, actor=actor)
        except ReservationNotActive:  # committed or released meanwhile
            continue
        units += reservation.quantity
    if variant_id is None:
        order.stock_status = (
            OrderStockStatus.RELEASED
            if order.stock_status == OrderStockStatus.RESERVED
            else order.stock_status
        )
    if units:
        order_event_add(order=order, kind=OrderEventKind.STOCK_RELEASED, params={"units": units}, actor=actor)
    return units


def stock_commit(*, order: Order, actor: User | None = None) -> int:
    """The order is paid: its held units leave stock. Units whose hold was already given back
    (expired before the money arrived) are reserved again and committed; what cannot be had
    any more is recorded on the timeline (`stock_short`) for staff, never refused: the money
    is in."""
    wanted = order_quantities(order)
    committed: dict[int, int] = defaultdict(int)
    for reservation in _reservations(order, Reservation.Status.COMMITTED):
        committed[reservation.stock.variant_id] += reservation.quantity
    units = 0
    for reservation in _reservations(order, Reservation.Status.ACTIVE):
        variant_id = reservation.stock.variant_id
        if committed[variant_id] >= wanted.get(variant_id, 0):
            inventory_release(reservation=reservation, actor=actor)  # no longer on the order
            continue
        try:
            inventory_commit(reservation=reservation, actor=actor)
        except ReservationNotActive:
            continue
        committed[variant_id] += reservation.quantity
        units += reservation.quantity
    missing = {vid: qty - committed[vid] for vid, qty in wanted.items() if qty > committed[vid]}
    variants = ProductVariant.objects.in_bulk(list(missing))
    for variant_id in sorted(missing):
        quantity = missing[variant_id]
        variant = variants.get(variant_id)
        if variant is None:
            continue
        try:
            reservation = inventory_reserve(
                variant=variant, quantity=quantity, reference=order.reference, actor=actor
            )
        except (InsufficientStock, InvalidQuantity, LocationInactive):
            order_event_add(
                order=order,
                kind=OrderEventKind.STOCK_SHORT,
                params={"sku": variant.sku, "units": quantity},
                actor=actor,
            )
            continue
        inventory_commit(reservation=reservation, actor=actor)
        units += quantity
    order.stock_status = OrderStockStatus.COMMITTED
    if units:
        order_event_add(
            order=order, kind=OrderEventKind.STOCK_COMMITTED, params={"units": units}, actor=actor
        )
    return units


def stock_take(*, order: Order, variant: ProductVariant, quantity: int, actor: User | None = None) -> None:
    """More units of `variant` for an order whose stock is already committed (an edit of a paid
    order): reserved and committed at once; raises `OrderError(SOLD_OUT)` when there are none."""
    try:
        reservation = inventory_reserve(
            variant=variant, quantity=quantity, reference=order.reference, actor=actor
        )
    except (InsufficientStock, InvalidQuantity, LocationInactive) as exc:
        raise sold_out_error(exc) from exc
    inventory_commit(reservation=reservation, actor=actor)
    order_event_add(order=order, kind=OrderEventKind.STOCK_COMMITTED, params={"units": quantity}, actor=actor)


def stock_put_back(
    *, order: Order, quantities: Mapping[int, int], reason: str, actor: User | None = None
) -> int:
    """Return sold units of a paid order to stock (variant id -> units), at the locations they
    were taken from, newest first; returns the units put back."""
    remaining = {vid: qty for vid, qty in quantities.items() if qty > 0}
    units = 0
    for reservation in reversed(_reservations(order, Reservation.Status.COMMITTED)):
        variant_id = reservation.stock.variant_id
        # Units of this reservation not yet put back by an earlier edit.
        left = reservation.quantity - _put_back_already(order, reservation)
        take = min(remaining.get(variant_id, 0), left)
        if take <= 0:
            continue
        stock_adjust(
            variant=reservation.stock.variant,
            location=reservation.stock.location,
            delta=take,
            reason=reason,
            actor=actor,
            reference=_put_back_reference(order, reservation),
            kind=StockMovement.Kind.ADJUSTED,
        )
        remaining[variant_id] -= take
        units += take
    if units:
        order_event_add(
            order=order, kind=OrderEventKind.STOCK_RESTOCKED, params={"units": units}, actor=actor
        )
    return units


def _put_back_reference(order: Order, reservation: Reservation) -> str:
    return f"{order.reference}:return:{reservation.pk}"


def _put_back_already(order: Order, reservation: Reservation) -> int:
    moved = StockMovement.objects.filter(
        reference=_put_back_reference(order, reservation), stock_id=reservation.stock_id
    ).values_list("on_hand_delta", flat=True)
    return sum(moved)


def lines_quantities(lines: Sequence[OrderLine]) -> dict[int, int]:
    """Units per variant of these (maybe unsaved) lines."""
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id is not None:
            totals[line.variant_id] += line.quantity
    return dict(totals)


def stock_follow(*, order: Order, before: dict[int, int], after: dict[int, int], actor: User | None) -> None:
    """An edited order's stock follows its quantities per variant (`before` -> `after`): an
    order holding stock holds more or less until the same `hold_expires_at`; one whose stock
    was sold takes more from stock at once (`SOLD_OUT` when there is none) or puts units back."""
    changed = sorted(vid for vid in set(before) | set(after) if before.get(vid, 0) != after.get(vid, 0))
    if not changed:
        return
    if order.stock_status == OrderStockStatus.RESERVED:
        for variant_id in changed:
            stock_release(order=order, actor=actor, variant_id=variant_id)
        stock_reserve(
            order=order,
            quantities={vid: after.get(vid, 0) for vid in changed if after.get(vid, 0) > 0},
            expires_at=order.hold_expires_at,
            actor=actor,
        )
        order.stock_status = OrderStockStatus.RESERVED
    elif order.stock_status == OrderStockStatus.COMMITTED:
        variants = ProductVariant.objects.in_bulk(changed)
        back = {
            vid: before.get(vid, 0) - after.get(vid, 0)
            for vid in changed
            if before.get(vid, 0) > after.get(vid, 0)
        }
        if back:
            stock_put_back(
                order=order,
                quantities=back,
                reason=_("Order #%(number)s edited") % {"number": order.number},
                actor=actor,
            )
        for variant_id in changed:
            more = after.get(variant_id, 0) - before.get(variant_id, 0)
            if more > 0 and variant_id in variants:
                stock_take(order=order, variant=variants[variant_id], quantity=more, actor=actor)
    # Orders holding nothing (a draft, a declined order) reserve when they are paid.
