"""The purchase order state machine: THE place the allowed status changes live.

    awaiting_approval ─┐                       ┌─> failed ──┐ (retries)
    held_for_review ───┼─> queued ─────────────┼────────────┼─> placed ─> shipped ─> delivered
                       └─> to_place_manually ──┘            └─> needs_attention ─> queued / placed
    (anything not yet shipped) ──> cancelled

- `held_for_review`: the order waits for a fraud decision (apps.fraud); nothing is sent.
- `awaiting_approval`: the store places orders only after a staff member approves each.
- `queued` / `failed`: an API supplier's order on its way (a Celery task, retried with backoff).
- `to_place_manually`: a supplier without an ordering API; staff order it, then mark it placed.
- `needs_attention`: given up (a permanent refusal, or too many attempts); staff retry, place it
  by hand or cancel it.
"""

from __future__ import annotations

from apps.purchasing.errors import PurchasingError, PurchasingErrorCode, purchase_order_error_message
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus

S = PurchaseOrderStatus

PO_TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_APPROVAL: frozenset({S.QUEUED, S.TO_PLACE_MANUALLY, S.HELD_FOR_REVIEW, S.CANCELLED}),
    S.HELD_FOR_REVIEW: frozenset({S.AWAITING_APPROVAL, S.QUEUED, S.TO_PLACE_MANUALLY, S.CANCELLED}),
    S.QUEUED: frozenset({S.PLACED, S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED}),
    S.FAILED: frozenset({S.QUEUED, S.PLACED, S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED}),
    S.TO_PLACE_MANUALLY: frozenset({S.PLACED, S.CANCELLED}),
    S.NEEDS_ATTENTION: frozenset({S.QUEUED, S.TO_PLACE_MANUALLY, S.PLACED, S.CANCELLED}),
    S.PLACED: frozenset({S.SHIPPED, S.DELIVERED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.SHIPPED, S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Waiting for someone (fraud review, approval) before anything is sent.
WAITING_STATUSES = frozenset({S.AWAITING_APPROVAL, S.HELD_FOR_REVIEW})
# On the way to the supplier through its API.
SENDING_STATUSES = frozenset({S.QUEUED, S.FAILED})
# Not placed yet: may still be cancelled without asking the supplier.
OPEN_STATUSES = frozenset(
    {S.AWAITING_APPROVAL, S.HELD_FOR_REVIEW, S.QUEUED, S.FAILED, S.TO_PLACE_MANUALLY, S.NEEDS_ATTENTION}
)
# Placed with the supplier: tracking is asked for these.
TRACKED_STATUSES = frozenset({S.PLACED, S.SHIPPED})


def po_can_move(po: PurchaseOrder, target: str) -> bool:
    return target in PO_TRANSITIONS.get(po.status, frozenset())


def po_refuse(po: PurchaseOrder, target: str = "") -> PurchasingError:
    """The error for an action the purchase order's status does not allow."""
    return PurchasingError(
        purchase_order_error_message(
            PurchasingErrorCode.NOT_ALLOWED, {"status": PurchaseOrderStatus(po.status).label}
        ),
        code=PurchasingErrorCode.NOT_ALLOWED,
        params={"status": po.status, "target": target},
    )


def po_require(po: PurchaseOrder, *statuses: str) -> None:
    """Raise `PurchasingError` unless the purchase order is in one of `statuses`."""
    if po.status not in statuses:
        raise po_refuse(po)


def po_move(po: PurchaseOrder, target: str) -> None:
    """Set `po.status` to `target` (unsaved) or raise `PurchasingError` when not allowed. The
    caller holds the row lock and saves."""
    if not po_can_move(po, target):
        raise po_refuse(po, target)
    po.status = target
