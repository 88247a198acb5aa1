"""Where a payment attempt stands, as orders read the gateways' statuses (`PaymentStatus`).

Statuses are ranked so that news about a payment only ever moves it forward: whatever order
updates arrive in, the highest one seen wins (see `apps.orders.settlement.payment_apply`).
"""

from __future__ import annotations

from apps.payments.enums import PaymentStatus

P = PaymentStatus

# How far along a payment is; a status never moves to a lower rank. PENDING is where every
# attempt starts (and where a manual payment stays); the shopper's part (REQUIRES_ACTION) comes
# before the gateway's (PROCESSING: a Stripe intent confirmed and under way, which Stripe never
# sends back to requires_action); an authorisation before its capture. A failed attempt can
# still succeed (Stripe lets the shopper retry the same PaymentIntent); a refund implies the
# money was taken first.
PAYMENT_STATUS_RANK: dict[str, int] = {
    P.PENDING: 0,
    P.REQUIRES_ACTION: 1,
    P.PROCESSING: 2,
    P.AUTHORIZED: 3,
    P.FAILED: 4,
    P.CANCELLED: 5,
    P.SUCCEEDED: 6,
    P.PARTIALLY_REFUNDED: 7,
    P.REFUNDED: 8,
}
# The money was taken (and may since have been given back in part or whole).
CAPTURED = frozenset({P.SUCCEEDED, P.PARTIALLY_REFUNDED, P.REFUNDED})
# Started and not finished: the shopper or the gateway may still complete it.
IN_FLIGHT = frozenset({P.PENDING, P.REQUIRES_ACTION, P.PROCESSING, P.AUTHORIZED})
ENDED_UNPAID = frozenset({P.FAILED, P.CANCELLED})


def rank(status: str) -> int:
    return PAYMENT_STATUS_RANK.get(status, -1)
