"""Order writes that are not placement, drafts or edits: staff notes, cancelling, and the
per-store job that cancels orders not paid in time.

The rest of the order's writes live beside it, each with its rules in its docstring:
`placement` (checkout completion), `settlement` (payments, payment updates, refunds, manual
payments marked paid), `drafts` (staff-made orders and payment links), `edits` (changing a
placed order), `transitions` (the status machine), `stock` and `redemptions`. Their public
names are importable from here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.orders.customers import customer_uncount
from apps.orders.drafts import (
    DraftLine,
    ManualDiscount,
    draft_order_create,
    draft_order_for_token,
    draft_order_pay,
    draft_order_send,
    order_for_payment_token,
    order_payment_link,
)
from apps.orders.edits import (
    EditChange,
    EditPreview,
    EditResult,
    order_edit_apply,
    order_edit_discount,
    order_edit_line_add,
    order_edit_line_remove,
    order_edit_line_set_quantity,
    order_edit_preview,
    order_edit_shipping,
)
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderNote
from apps.orders.placement import order_pay, order_place
from apps.orders.redemptions import redemptions_reverse
from apps.orders.refunds import order_refund
from apps.orders.settlement import (
    IN_FLIGHT,
    Placement,
    order_mark_paid,
    order_payment_update,
    payment_apply,
    payments_in_flight_cancel,
)
from apps.orders.stock import order_quantities, stock_put_back, stock_release
from apps.orders.timeline import ORDER_CANCELLED, order_emit, order_event_add
from apps.orders.transitions import CANCELLABLE_STATUSES, _order_transition
from apps.payments.errors import PaymentError
from apps.payments.gateways.base import gateway_get

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "NOTE_MAX_LENGTH",
    "DraftLine",
    "EditChange",
    "EditPreview",
    "EditResult",
    "ManualDiscount",
    "Placement",
    "draft_order_create",
    "draft_order_for_token",
    "draft_order_pay",
    "draft_order_send",
    "order_cancel",
    "order_edit_apply",
    "order_edit_discount",
    "order_edit_line_add",
    "order_edit_line_remove",
    "order_edit_line_set_quantity",
    "order_edit_preview",
    "order_edit_shipping",
    "order_for_payment_token",
    "order_mark_paid",
    "order_note_add",
    "order_pay",
    "order_payment_link",
    "order_payment_update",
    "order_place",
    "order_refund",
    "orders_expire_unpaid",
]

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 5000


@transaction.atomic
def order_note_add(*, order: Order, author: User | None, body: str) -> OrderNote:
    """A staff note on the order (kept apart from the timeline, which only says one was added)."""
    text = str(body or "").replace("\r\n", "\n").strip()
    if not text:
        raise OrderError(_("Write something in the note."), code=OrderErrorCode.NOTE_INVALID, field="body")
    if len(text) > NOTE_MAX_LENGTH:
        raise OrderError(
            _("A note can be at most %(max)d characters long.") % {"max": NOTE_MAX_LENGTH},
            code=OrderErrorCode.NOTE_INVALID,
            field="body",
            params={"max": NOTE_MAX_LENGTH},
        )
    locked = order_lock(order_id=order.pk)
    note = OrderNote.objects.create(order=locked, author=author, body=text)
    order_event_add(order=locked, kind=OrderEventKind.NOTE_ADDED, params={"note": note.pk}, actor=author)
    return note


def _cancel_locked(*, order: Order, actor: User | None, reason: str, restock: bool) -> None:
    """Cancel a locked order: in-flight payments cancelled at their gateways, money taken
    refunded, stock released (or put back when sold), redemptions reversed, the customer's
    counters taken back, `order.cancelled` emitted."""
    payments_in_flight_cancel(order=order, actor=actor)
    if order.status == OrderStatus.CANCELLED:  # pragma: no cover - guarded by the callers
        return
    # What refunds gave back as store credit is not given back again (`Order.cancel_refund`).
    balances_back, refund = order.cancel_balances_back, order.cancel_refund
    if refund > 0:
        order_refund(order=order, amount=refund, reason=reason or _("Order cancelled."), actor=actor)
    if order.stock_status == OrderStockStatus.RESERVED:
        stock_release(order=order, actor=actor)
    elif order.stock_status == OrderStockStatus.COMMITTED and restock:
        stock_put_back(
            order=order,
            quantities=order_quantities(order),
            reason=_("Order #%(number)s cancelled") % {"number": order.number},
            actor=actor,
        )
        order.stock_status = OrderStockStatus.RESTOCKED
    redemptions_reverse(order=order, most=balances_back)
    customer_uncount(order=order)
    order.hold_expires_at = None
    order.cancel_reason = reason[:255]
    order.save()
    _order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, params={"reason": reason[:255]})
    order_event_add(order=order, kind=OrderEventKind.CANCELLED, params={"reason": reason[:255]}, actor=actor)
    order_emit(name=ORDER_CANCELLED, order=order, reason=reason[:255])


def order_cancel(*, order: Order, actor: User | None, reason: str = "", restock: bool = True) -> Order:
    """Cancel an order that has not shipped: payments under way are cancelled, money taken is
    refunded through the gateways it came from, held stock is released and sold stock put back
    (unless `restock` is False), discount uses, gift card and store credit debits are given
    back. A refund the gateway refuses stops the whole cancellation (`REFUND_FAILED`)."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.status not in CANCELLABLE_STATUSES:
            raise OrderError(
                _("Order #%(number)s is %(status)s and can no longer be cancelled.")
                % {"number": locked.number, "status": OrderStatus(locked.status).label},
                code=OrderErrorCode.NOT_CANCELLABLE,
                params={"number": locked.number, "status": locked.status},
            )
        _cancel_locked(order=locked, actor=actor, reason=str(reason or "").strip(), restock=restock)
    return locked


def _payments_refresh(order: Order) -> None:
    """Ask the gateways of the order's open attempts where they stand (a success whose update
    has not arrived yet must not be cancelled as unpaid)."""
    for payment in order.payments.filter(status__in=IN_FLIGHT).exclude(external_id="").order_by("attempt"):
        try:
            result = gateway_get(payment.gateway, enabled_only=False).retrieve(
                external_id=payment.external_id
            )
        except PaymentError:
            logger.warning("could not retrieve payment %s of order %s", payment.external_id, order.number)
            continue
        payment_apply(order=order, payment=payment, status=result.status, result=result)


def orders_expire_unpaid(*, now: datetime | None = None) -> dict[str, int]:
    """Deal with this store's pending orders whose payment window (`hold_expires_at`) passed.

    A checkout order is cancelled: open payments cancelled at their gateways, stock released,
    redemptions reversed, a timeline entry, `order.cancelled`. A draft order only gives its
    stock back and stays pending: its payment link still works. Each order in its own
    transaction; one whose payment turns out to have succeeded meanwhile is left paid. The
    per-store job `orders.expire_unpaid` runs this every minute."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status=OrderStatus.PENDING, hold_expires_at__lte=now)
        .order_by("hold_expires_at", "id")
        .values_list("pk", flat=True)[:1000]
    )
    summary = {"cancelled": 0, "drafts_released": 0}
    for order_id in due:
        with transaction.atomic():
            order = order_lock(order_id=order_id)
            if (
                order.status != OrderStatus.PENDING
                or order.hold_expires_at is None
                or order.hold_expires_at > now
            ):
                continue
            _payments_refresh(order)
            if order.status != OrderStatus.PENDING:
                continue
            order_event_add(order=order, kind=OrderEventKind.HOLD_EXPIRED)
            if order.origin == OrderOrigin.DRAFT:
                payments_in_flight_cancel(order=order)
                stock_release(order=order)
                order.hold_expires_at = None
                order.save()
                summary["drafts_released"] += 1
                continue
            _cancel_locked(order=order, actor=None, reason="", restock=True)
            summary["cancelled"] += 1
    return summary
