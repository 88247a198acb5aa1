"""Refunds staff give from the dashboard's refund page.

`order_refund_issue` refunds chosen lines (all or some of their units), the shipping charge,
or a free amount, through the payment methods that took the money (`apps.orders.refunds.
order_refund`, which emits `order.refunded`), as store credit to the shopper's account, or
back onto the gift cards that paid for the order. What goes back outside the payment methods
is counted in `Order.amount_credited`, so that a later cancellation does not give it again.
Everything happens under the order's row lock in one transaction: the checks (never more than
was paid minus what went back already, never more than the chosen items cost), the
`RefundRequest` with its one-time form token, the money, the units put back in stock (only
those not put back before) and the timeline. The token makes a second post of the same form
(a double click, two tabs, a retry) return the first refund without refunding again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.money import money_quantize
from apps.orders.enums import OrderEventKind, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderLine
from apps.orders.refunds import order_refund, order_refunded_emit
from apps.orders.settlement import order_money_status_sync
from apps.orders.stock import stock_put_back
from apps.orders.timeline import order_event_add
from apps.returns.enums import RETURN_TRANSITIONS, ReturnErrorCode, ReturnStatus
from apps.returns.errors import ReturnError, form_replayed
from apps.returns.models import RefundRequest, RefundRequestLine, ReturnLine, ReturnRequest
from apps.returns.selectors import (
    lines_refund_amount,
    order_refundable,
    refunded_quantities,
    restocked_quantities,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal(0)


@dataclass(frozen=True)
class RefundLineInput:
    line_id: int
    quantity: int


@dataclass(frozen=True)
class RefundInput:
    """What the refund page asks for. `amount` None means "what the chosen lines and shipping
    cost"; given with lines or shipping it may only be lower; alone it is a free amount."""

    token: uuid.UUID
    lines: Sequence[RefundLineInput] = ()
    shipping: bool = False
    amount: Decimal | None = None
    reason: str = ""
    restock: bool = False
    store_credit: bool = False
    gift_card: bool = False
    return_request_id: int | None = None


def _refused(message: str, code: ReturnErrorCode, field: str | None = None, **params: object) -> ReturnError:
    return ReturnError(message, code=code, field=field, params={k: str(v) for k, v in params.items()})


def _chosen_lines(order: Order, data: RefundInput) -> list[tuple[OrderLine, int]]:
    lines = {line.pk: line for line in order.lines.all()}
    already = refunded_quantities(order)
    chosen: list[tuple[OrderLine, int]] = []
    for item in data.lines:
        if item.quantity <= 0:
            continue
        line = lines.get(item.line_id)
        if line is None:
            raise _refused(_("This order has no such line."), ReturnErrorCode.LINE_UNKNOWN, "lines")
        left = line.quantity - already.get(line.pk, 0)
        if item.quantity > left:
            raise _refused(
                _("Only %(left)s of %(sku)s can still be refunded.")
                % {"left": left, "sku": line.sku or line.product_title},
                ReturnErrorCode.QUANTITY_TOO_LARGE,
                "lines",
                left=left,
                line=line.pk,
            )
        chosen.append((line, item.quantity))
    return chosen


def refund_amount_parse(value: object, currency: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return money_quantize(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError):
        raise _refused(_("Enter an amount."), ReturnErrorCode.AMOUNT_INVALID, "amount") from None


def order_refund_issue(*, order_id: int, data: RefundInput, actor: User | None = None) -> RefundRequest:
    """Give money back for the order (see the module docstring); returns the refund request,
    the earlier one when this form token was used already. Raises `ReturnError` (form errors)
    or `OrderError(REFUND_FAILED)` when the gateway refuses; nothing is written then."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        done = form_replayed(RefundRequest.objects.filter(token=data.token).first(), order_id=order.pk)
        if done is not None:
            return done
        return _issue(order=order, data=data, actor=actor)


def _issue(*, order: Order, data: RefundInput, actor: User | None) -> RefundRequest:
    currency = order.currency
    chosen = _chosen_lines(order, data)
    refundable = order_refundable(order)
    items_amount = sum((lines_refund_amount(line, qty, currency) for line, qty in chosen), ZERO)
    shipping_amount = refundable.shipping if data.shipping else ZERO
    ceiling = items_amount + shipping_amount
    amount = data.amount if data.amount is not None else ceiling
    amount = money_quantize(amount, currency)
    if amount <= 0:
        raise _refused(
            _("Choose items or shipping, or enter an amount above 0."),
            ReturnErrorCode.AMOUNT_INVALID,
            "amount",
        )
    if (chosen or data.shipping) and amount > ceiling:
        raise _refused(
            _("The chosen items and shipping come to %(ceiling)s %(currency)s; refund at most that.")
            % {"ceiling": ceiling, "currency": currency},
            ReturnErrorCode.AMOUNT_ABOVE_ITEMS,
            "amount",
            ceiling=ceiling,
        )
    if data.store_credit and data.gift_card:
        raise _refused(
            _("Choose store credit or the gift cards, not both."),
            ReturnErrorCode.DESTINATION_CONFLICT,
            "gift_card",
        )
    if data.gift_card and refundable.gift_cards <= 0:
        raise _refused(
            _("No gift card money of this order is left to put back: none paid for it, or it all went back."),
            ReturnErrorCode.REFUND_TOO_LARGE,
            "gift_card",
        )
    most = refundable.gateway
    if data.store_credit:
        most = refundable.total
    elif data.gift_card:
        most = refundable.gift_cards
    if amount > most:
        raise _refused(
            _("At most %(most)s %(currency)s can be refunded.") % {"most": most, "currency": currency},
            ReturnErrorCode.REFUND_TOO_LARGE,
            "amount",
            most=most,
            currency=currency,
        )
    if data.store_credit and order.user_id is None:
        raise _refused(
            _("Store credit needs a shopper account; this order was placed as a guest."),
            ReturnErrorCode.STORE_CREDIT_NEEDS_ACCOUNT,
            "store_credit",
        )
    return_request = _return_request(order, data.return_request_id)
    reason = data.reason.strip()[:255] or _("Refund")
    refund_request = RefundRequest.objects.create(
        token=data.token,
        order=order,
        return_request=return_request,
        amount=amount,
        currency=currency,
        shipping_amount=min(shipping_amount, amount),
        store_credit=data.store_credit,
        gift_card=data.gift_card,
        reason=reason,
        restock=data.restock,
        actor=actor,
    )
    request_lines = RefundRequestLine.objects.bulk_create(
        [
            RefundRequestLine(
                refund_request=refund_request,
                order_line=line,
                quantity=qty,
                amount=lines_refund_amount(line, qty, currency),
            )
            for line, qty in chosen
        ]
    )
    if data.store_credit:
        _store_credit_give(order=order, amount=amount, reason=reason, actor=actor)
    elif data.gift_card:
        _gift_cards_give(order=order, amount=amount, reason=reason, actor=actor)
    else:
        try:
            order_refund(order=order, amount=amount, reason=reason, actor=actor)
        except OrderError as error:
            if error.code == OrderErrorCode.REFUND_TOO_LARGE:
                raise _refused(error.message, ReturnErrorCode.REFUND_TOO_LARGE, "amount") from error
            raise
        order_money_status_sync(order=order, actor=actor)
    if data.restock:
        caps = None
        if return_request is not None:
            # The refund is for the returned units: only those not put back on receipt.
            caps = {
                row.order_line_id: row.quantity - row.restocked_quantity for row in return_request.lines.all()
            }
        restock_lines(
            order=order,
            rows=list(zip(request_lines, [line for line, _qty in chosen], strict=True)),
            actor=actor,
            caps=caps,
        )
    if return_request is not None and ReturnStatus.REFUNDED in RETURN_TRANSITIONS[return_request.status]:
        return_request.status = ReturnStatus.REFUNDED
        return_request.save(update_fields=["status", "updated_at"])
    return refund_request


def _return_request(order: Order, return_request_id: int | None) -> ReturnRequest | None:
    if return_request_id is None:
        return None
    return ReturnRequest.objects.select_for_update().filter(pk=return_request_id, order=order).first()


def _gift_cards_give(*, order: Order, amount: Decimal, reason: str, actor: User | None) -> None:
    from apps.checkout.errors import BalanceError
    from apps.checkout.services import gift_card_refund

    note = _("Refund of order #%(number)s: %(reason)s") % {"number": order.number, "reason": reason}
    try:
        written = gift_card_refund(
            reference=order.redemption_reference, amount=amount, note=note, actor=actor
        )
    except BalanceError as error:
        raise _refused(error.message, ReturnErrorCode.REFUND_TOO_LARGE, "amount", **error.params) from error
    order.amount_credited += amount  # under the order's lock (`order_refund_issue`)
    order.save(update_fields=["amount_credited", "updated_at"])
    for entry in written:
        order_event_add(
            order=order,
            kind=OrderEventKind.GIFT_CARD_REFUNDED,
            params={
                "amount": str(entry.amount),
                "currency": order.currency,
                "card": str(entry.gift_card),  # "…WXYZ": the code spends the balance
                "reason": reason,
            },
            actor=actor,
        )
    order_refunded_emit(order=order, amount=amount, currency=order.currency, reason=reason, gift_card=True)


def _store_credit_give(*, order: Order, amount: Decimal, reason: str, actor: User | None) -> None:
    from apps.checkout.services.balances import store_credit_grant

    assert order.user is not None
    order.amount_credited += amount  # under the order's lock (`order_refund_issue`)
    order.save(update_fields=["amount_credited", "updated_at"])
    store_credit_grant(
        user=order.user,
        amount=amount,
        reason=_("Refund of order #%(number)s: %(reason)s") % {"number": order.number, "reason": reason},
        actor=actor,
    )
    order_event_add(
        order=order,
        kind=OrderEventKind.STORE_CREDIT_ISSUED,
        params={"amount": str(amount), "currency": order.currency, "reason": reason},
        actor=actor,
    )
    order_refunded_emit(order=order, amount=amount, currency=order.currency, reason=reason, store_credit=True)


def restock_lines(
    *,
    order: Order,
    rows: Sequence[tuple[RefundRequestLine | ReturnLine, OrderLine]],
    actor: User | None,
    caps: dict[int, int] | None = None,
) -> int:
    """Put the units of `rows` (a record with `quantity` and `restocked_quantity`, and its order
    line) back in stock, each line only up to the units not put back before (and `caps`, units
    per line id, when given); records what went
    back on each record and returns the units. Call under the order's lock."""
    if order.stock_status != OrderStockStatus.COMMITTED:
        return 0  # nothing left stock for this order: nothing to put back
    restocked = restocked_quantities(order)
    units = 0
    for record, line in rows:
        if line.variant_id is None:
            continue
        wanted = min(int(record.quantity), line.quantity - restocked.get(line.pk, 0))
        if caps is not None:
            wanted = min(wanted, caps.get(line.pk, 0))
        if wanted <= 0:
            continue
        back = stock_put_back(
            order=order,
            quantities={line.variant_id: wanted},
            reason=_("Returned from order #%(number)s") % {"number": order.number},
            actor=actor,
        )
        if back:
            record.restocked_quantity = back
            record.save(update_fields=["restocked_quantity"])
            restocked[line.pk] = restocked.get(line.pk, 0) + back
            units += back
    return units
