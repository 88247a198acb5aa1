"""The order events that issue documents.

- `order.paid` -> the order's invoice;
- `order.refunded` (`apps.orders.refunds.order_refund` emits it for every refund through the
  order's payments: staff refunds, returns, order edits, a paid order's cancellation; the
  returns app emits it for a refund as store credit or onto gift cards; payload
  `refund={amount, currency, store_credit, gift_card, reason}`) -> a credit note of that amount, split over the invoice's tax rates;
- `order.cancelled` of an order that was paid -> a credit note for whatever the invoice has left
  once the refund's credit note is out (the part paid by gift card or store credit, which the
  cancellation gives back without a refund).

Each is idempotent: a credit note is keyed by its event, an invoice by its order, so a
redelivered event issues nothing new; and no credit note takes the invoice below zero.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation

from apps.core.events import Event, subscribe
from apps.invoices.services import credit_note_issue, invoice_issue
from apps.orders.models import Order

logger = logging.getLogger(__name__)


def _order_id(event: Event) -> int | None:
    try:
        order_uuid = uuid.UUID(str(event.payload.get("order")))
    except ValueError:
        order_uuid = None
    order_id = (
        Order.objects.filter(uuid=order_uuid).values_list("pk", flat=True).first() if order_uuid else None
    )
    if order_id is None:
        logger.warning("%s for an unknown order %s", event.name, event.payload.get("order"))
    return order_id


@subscribe("order.paid")
def invoice_on_order_paid(event: Event) -> None:
    order_id = _order_id(event)
    if order_id is not None:
        invoice_issue(order_id=order_id)


@subscribe("order.refunded")
def credit_note_on_order_refunded(event: Event) -> None:
    order_id = _order_id(event)
    refund = event.payload.get("refund") or {}
    try:
        amount = Decimal(str(refund.get("amount")))
    except InvalidOperation:
        logger.warning("order.refunded %s without an amount", event.id)
        return
    if order_id is None or not amount.is_finite() or amount <= 0:
        return
    credit_note_issue(
        order_id=order_id,
        key=f"event:{event.id}",
        amount=amount,
        currency=str(refund.get("currency") or ""),
        reason=str(refund.get("reason") or ""),
    )


@subscribe("order.cancelled")
def credit_note_on_order_cancelled(event: Event) -> None:
    order_id = _order_id(event)
    if order_id is None:
        return
    if not Order.objects.filter(pk=order_id, paid_at__isnull=False).exists():
        return  # never paid: never invoiced, nothing to credit
    credit_note_issue(
        order_id=order_id,
        key=f"cancelled:{event.payload.get('order')}",
        reason=str(event.payload.get("reason") or ""),
    )
