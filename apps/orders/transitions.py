"""The order state machine: THE place the allowed status changes live.

    pending ──> paid ──> partially_fulfilled ──> fulfilled ──> delivered
       │        │  ^              ^                  ^             ^
       │        v  │              │                  │             │
       │   partially_refunded ────┴──────────────────┴─────────────┘
       │        │
       └──────> cancelled <── (paid too)          (any paid state) ──> refunded

- `pending`: placed (or a draft), not paid yet. Goes to `paid` when the money arrived (or staff
  marked a manual payment paid), to `cancelled` by staff or when its stock hold expired.
- `paid`, `partially_refunded`: may be fulfilled, refunded, or cancelled before anything shipped
  (cancelling a paid order refunds it).
- `partially_fulfilled`, `fulfilled`, `delivered`: the fulfilment path (issue "After the sale");
  money can still be refunded in full (`refunded`) or in part, which leaves the status as it
  is (the payment state, `apps.orders.selectors.order_payment_state`, shows the refund):
  `partially_refunded` is an order of which nothing has shipped, so it may still be edited or
  cancelled (cancelling puts every unit back into stock).
- `cancelled` and `refunded` are final.

Every change goes through `_order_transition`, which locks the order row, refuses any move not
listed here with `TransitionNotAllowed`, stamps `paid_at`/`cancelled_at`, and writes a
`status_changed` event on the order's timeline in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.errors import TransitionNotAllowed
from apps.orders.models import Order, OrderEvent

if TYPE_CHECKING:
    from apps.accounts.models import User

S = OrderStatus

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED, S.CANCELLED}),
    S.PARTIALLY_FULFILLED: frozenset({S.FULFILLED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset(
        {S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.DELIVERED, S.REFUNDED, S.CANCELLED}
    ),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# Statuses in which the money for the order has been received (in full or in part).
PAID_STATUSES = frozenset(
    {S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.DELIVERED, S.PARTIALLY_REFUNDED, S.REFUNDED}
)
# Statuses in which staff may still change what the order contains (nothing has shipped).
EDITABLE_STATUSES = frozenset({S.PENDING, S.PAID, S.PARTIALLY_REFUNDED})
# Statuses from which an order may be cancelled (nothing has shipped).
CANCELLABLE_STATUSES = frozenset(
    status for status, targets in ORDER_TRANSITIONS.items() if S.CANCELLED in targets
)
FINAL_STATUSES = frozenset(status for status, targets in ORDER_TRANSITIONS.items() if not targets)


def transition_allowed(*, current: str, to: str) -> bool:
    return to in ORDER_TRANSITIONS.get(current, frozenset())


def _order_transition(
    *,
    order: Order,
    to: str,
    actor: User | None = None,
    params: dict[str, Any] | None = None,
) -> Order:
    """Move `order` to status `to` and record it; the one function that writes `Order.status`.

    Locks the row first (a caller that already holds the lock keeps it), so two concurrent
    changes apply one after the other and the second is checked against the first's result.
    Refuses a move `ORDER_TRANSITIONS` does not list, including staying where it is. Updates
    the caller's instance as well as returning the locked one.
    """
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        if not transition_allowed(current=current.status, to=to):
            values = {
                "number": current.number,
                "current": S(current.status).label,
                "to": S(to).label if to in S.values else to,
            }
            raise TransitionNotAllowed(
                _("Order #%(number)s is %(current)s and cannot become %(to)s.") % values,
                params={"number": current.number, "current": current.status, "to": to},
            )
        now = timezone.now()
        previous = current.status
        current.status = to
        fields = ["status", "updated_at"]
        if to in PAID_STATUSES and current.paid_at is None:
            current.paid_at = now
            fields.append("paid_at")
        if to == S.CANCELLED:
            current.cancelled_at = now
            fields.append("cancelled_at")
        current.save(update_fields=fields)
        OrderEvent.objects.create(
            order=current,
            kind=OrderEventKind.STATUS_CHANGED,
            params={"from": previous, "to": to, **(params or {})},
            actor=actor,
        )
    for field in ("status", "paid_at", "cancelled_at", "updated_at"):
        setattr(order, field, getattr(current, field))
    return current
