"""Giving an order's money back through the gateways that took it.

`refund_create` refunds part of one payment (idempotency key `order:<uuid>:refund:<n>`, the
order's refund sequence, so a refund retried after a rolled-back attempt is the same refund at
the gateway); `order_refund` spreads an amount over the order's payments, newest first;
`refunded_at_gateway` counts a refund the gateway reports (ours confirmed later, or one made
in the provider's dashboard). Callers hold the order's lock and let the order's status follow
(`apps.orders.settlement.order_money_status_sync`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from apps.core.money import money_quantize
from apps.orders.enums import OrderEventKind
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, Payment, Refund
from apps.orders.payment_status import P, rank
from apps.orders.timeline import order_emit, order_event_add
from apps.payments.enums import RefundStatus
from apps.payments.gateways.base import gateway_get

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal(0)
ORDER_REFUNDED = "order.refunded"


def order_refunded_emit(
    *,
    order: Order,
    amount: Decimal,
    currency: str,
    reason: str,
    store_credit: bool = False,
    gift_card: bool = False,
) -> None:
    """Announce money given back (after commit):
    `refund={amount, currency, store_credit, gift_card, reason}`."""
    order_emit(
        name=ORDER_REFUNDED,
        order=order,
        refund={
            "amount": str(amount),
            "currency": currency,
            "store_credit": store_credit,
            "gift_card": gift_card,
            "reason": reason,
        },
    )


def refunded_at_gateway(*, order: Order, payment: Payment, new_total: Decimal, actor: User | None) -> None:
    """The gateway says `new_total` of `payment` has been refunded: count the difference,
    settling our pending refunds first and recording any refund made elsewhere (the Stripe
    dashboard)."""
    delta = new_total - payment.amount_refunded
    payment.amount_refunded = new_total
    order.amount_refunded += delta
    left = delta
    for refund in payment.refunds.filter(status=RefundStatus.PENDING).order_by("created_at", "id"):
        if refund.amount > left:
            break
        refund.status = RefundStatus.SUCCEEDED
        refund.save(update_fields=["status", "updated_at"])
        if refund.keeps_total:
            order.amount_refunded_kept_total += refund.amount
        left -= refund.amount
    if left > 0:
        order.amount_refunded_kept_total += left  # made at the provider: the order is unchanged
        # Announced like ours (a credit note, the shopper's email); ours were announced when made.
        order_refunded_emit(
            order=order,
            amount=money_quantize(left, payment.currency),
            currency=payment.currency,
            reason=_("Refunded at the payment provider."),
        )
        Refund.objects.create(
            order=order,
            payment=payment,
            amount=left,
            currency=payment.currency,
            reason=_("Refunded at the payment provider."),
            status=RefundStatus.SUCCEEDED,
            idempotency_key=f"{payment.idempotency_key}:refunded:{new_total}",
        )
    order_event_add(
        order=order,
        kind=OrderEventKind.REFUNDED,
        params={"amount": str(delta), "currency": payment.currency, "gateway": payment.gateway},
        actor=actor,
    )


def refund_create(
    *,
    order: Order,
    payment: Payment,
    amount: Decimal,
    reason: str,
    actor: User | None = None,
    raise_on_failure: bool = True,
    keeps_total: bool = True,
) -> Refund:
    """Give `amount` of `payment` back through its gateway (the caller holds the order's lock).

    The idempotency key is the order's refund sequence (`order:<uuid>:refund:<n>`), so a
    refund retried after a rolled-back attempt is the same refund at the gateway. A refused
    refund raises `OrderError(REFUND_FAILED)` (rolling the caller back) unless
    `raise_on_failure` is False, when it is kept on the timeline for staff. `keeps_total` is
    False for an edit's refund (the order's total went down by the amount); the others count
    in `Order.amount_refunded_kept_total`, so the shopper owes nothing for them."""
    amount = money_quantize(amount, payment.currency)
    refundable = payment.amount - payment.amount_refunded
    if amount <= 0 or not payment.captured or amount > refundable:
        params = {"amount": str(amount), "refundable": str(refundable if payment.captured else ZERO)}
        raise OrderError(
            _("At most %(refundable)s can be refunded from this payment.") % params,
            code=OrderErrorCode.REFUND_TOO_LARGE,
            field="amount",
            params=params,
        )
    sequence = order.refunds.count() + 1
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount,
        currency=payment.currency,
        reason=reason[:255],
        status=RefundStatus.PENDING,
        idempotency_key=f"order:{order.uuid}:refund:{sequence}",
        keeps_total=keeps_total,
        actor=actor,
    )
    result = gateway_get(payment.gateway, enabled_only=False).refund(
        external_id=payment.external_id,
        amount=amount,
        currency=payment.currency,
        idempotency_key=refund.idempotency_key,
    )
    refund.external_id = result.external_id[:255]
    refund.error_message = str(result.error_message)[:500]
    money = {"amount": str(amount), "currency": payment.currency, "gateway": payment.gateway}
    if result.status == RefundStatus.SUCCEEDED:
        refund.status = RefundStatus.SUCCEEDED
        payment.amount_refunded += amount
        target = P.REFUNDED if payment.amount_refunded >= payment.amount else P.PARTIALLY_REFUNDED
        if rank(target) > rank(payment.status):
            payment.status = target
        order.amount_refunded += amount
        if keeps_total:
            order.amount_refunded_kept_total += amount
        order_event_add(
            order=order, kind=OrderEventKind.REFUNDED, params={**money, "reason": reason}, actor=actor
        )
    elif result.status == RefundStatus.PENDING:
        # Counted when the gateway reports it done (a payment update with the refunded amount).
        order_event_add(
            order=order,
            kind=OrderEventKind.REFUNDED,
            params={**money, "reason": reason, "pending": True},
            actor=actor,
        )
    else:
        refund.status = RefundStatus.FAILED
        refund.save()
        order_event_add(
            order=order,
            kind=OrderEventKind.REFUND_FAILED,
            params={**money, "error_message": refund.error_message, "error_code": result.error_code},
            actor=actor,
        )
        if raise_on_failure:
            raise OrderError(
                _("The refund of %(amount)s %(currency)s was refused: %(error)s")
                % {**money, "error": refund.error_message or result.error_code or _("no reason given")},
                code=OrderErrorCode.REFUND_FAILED,
                params={**money, "error_code": result.error_code},
            )
        return refund
    refund.save()
    payment.save()
    order.save()
    return refund


def order_refund(
    *, order: Order, amount: Decimal, reason: str, actor: User | None = None, keeps_total: bool = True
) -> list[Refund]:
    """Refund `amount` of the order's gateway payments, newest payment first (the caller holds
    the order's lock and re-syncs the status). An edit that lowered the total passes
    `keeps_total=False`; returns, goodwill refunds and cancellations keep it."""
    left = money_quantize(amount, order.currency)
    payments = list(order.payments.filter(captured=True).order_by("-attempt"))
    refundable = sum((p.amount - p.amount_refunded for p in payments), ZERO)
    if left > refundable:
        params = {"amount": str(left), "refundable": str(refundable), "currency": order.currency}
        raise OrderError(
            _("Only %(refundable)s %(currency)s was paid through a payment method and can be refunded.")
            % params,
            code=OrderErrorCode.REFUND_TOO_LARGE,
            field="amount",
            params=params,
        )
    refunds = []
    for payment in payments:
        if left <= 0:
            break
        take = min(left, payment.amount - payment.amount_refunded)
        if take <= 0:
            continue
        refunds.append(
            refund_create(
                order=order, payment=payment, amount=take, reason=reason, actor=actor, keeps_total=keeps_total
            )
        )
        left -= take
    if refunds:
        order_refunded_emit(
            order=order, amount=sum((r.amount for r in refunds), ZERO), currency=order.currency, reason=reason
        )
    return refunds
