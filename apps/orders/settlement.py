"""An order's money: payment attempts and what their results do to the order, payment updates
that arrive later, manual payments marked paid, and refunds.

One function, `payment_apply`, turns any news about a payment (the gateway's answer to `start`,
a webhook, the dummy authentication page, staff marking a bank transfer received) into its
effects, so they are the same whichever way the news came:

- The payment's status only moves forward, by `PAYMENT_STATUS_RANK`; an older or repeated
  status changes nothing. Refunded amounts only grow. So updates of one payment applied in any
  order end in the same state (the highest status seen, the largest refunded amount).
- The first time a payment counts as taken (succeeded, or refunded in part or whole, which
  imply it), its amount joins `Order.amount_paid` (`Payment.captured` makes that once). A
  pending order whose balance is then covered becomes paid: stock committed, the checkout
  completed, the customer counted, `order.paid` emitted. Money for a cancelled order, or more
  than the order costs, is refunded at once.
- The order's live attempt failing or being cancelled while the order is pending gives its held
  stock and redemptions back; the shopper may try again (a later success of that same payment
  reserves the stock again, see `apps.orders.stock.stock_commit`).
- A growing refunded amount joins `Order.amount_refunded`, and the order's status follows the
  money (`order_money_status_sync`): `refunded` when everything taken through gateways went
  back; `partially_refunded` when some went back and what is left no longer covers the order
  as it now stands; back to `paid` when an edit's balance payment covers it again. A refund
  that only settles an edit that made the order cheaper leaves the order `paid`. An order that
  has shipped keeps its shipping status when part of its money goes back (the state machine
  has no such move: `partially_refunded` means nothing has shipped, see `transitions`).

`order_payment_update` is the handler payments calls for every `PaymentUpdate`; it applies an
event id once (`PaymentUpdateRecord`) under the order's row lock. Refunds themselves are
`apps.orders.refunds`; the status ranks `apps.orders.payment_status`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.checkout.models import Checkout
from apps.checkout.services import checkout_complete_mark
from apps.core.money import money_quantize
from apps.orders.customers import customer_count, customer_uncount
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.locks import order_lock
from apps.orders.models import Order, Payment, PaymentUpdateRecord
from apps.orders.payment_status import CAPTURED, ENDED_UNPAID, IN_FLIGHT, P, rank
from apps.orders.redemptions import redemptions_record_again, redemptions_reverse
from apps.orders.refunds import refund_create, refunded_at_gateway
from apps.orders.stock import stock_commit, stock_release
from apps.orders.timeline import ORDER_PAID, order_emit, order_event_add
from apps.orders.transitions import PAID_STATUSES, _order_transition, transition_allowed
from apps.payments.errors import PaymentError
from apps.payments.gateways.base import GatewayResult, PaymentRequest, PaymentUpdate, gateway_get
from apps.payments.gateways.manual import MANUAL_GATEWAY_CODES, gateway_is_manual

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "CAPTURED",
    "ENDED_UNPAID",
    "IN_FLIGHT",
    "P",
    "Placement",
    "live_payment",
    "next_attempt",
    "order_mark_paid",
    "order_money_status_sync",
    "order_paid_effects",
    "order_payment_update",
    "payment_apply",
    "payment_key",
    "payment_record",
    "payment_request",
    "payment_result",
    "payments_in_flight_cancel",
    "rank",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """What completing a checkout (or paying an order's link) led to: the order, the payment
    attempt and the gateway's answer (None for both when nothing was left to charge)."""

    order: Order
    payment: Payment | None
    result: GatewayResult | None

    @property
    def paid(self) -> bool:
        return self.order.status in PAID_STATUSES

    @property
    def requires_action(self) -> bool:
        return self.result is not None and self.result.status == P.REQUIRES_ACTION

    @property
    def failed(self) -> bool:
        return self.result is not None and self.result.status in ENDED_UNPAID


def payment_key(*, order: Order, attempt: int) -> str:
    return f"order:{order.uuid}:attempt:{attempt}"


def next_attempt(order: Order) -> int:
    if order.pk is None:
        return 1
    return int(order.payments.aggregate(last=Max("attempt"))["last"] or 0) + 1


def live_payment(order: Order) -> Payment | None:
    """The order's latest payment attempt, if any."""
    return order.payments.order_by("-attempt").first() if order.pk else None


def payment_result(payment: Payment) -> GatewayResult:
    """The gateway's last answer about `payment`, as stored (for a repeated request)."""
    return GatewayResult(
        status=P(payment.status),
        external_id=payment.external_id,
        client_secret=payment.client_secret,
        action_url=payment.action_url,
        error_code=payment.error_code,
        error_message=payment.error_message,
        fee=payment.fee,
        amount=payment.amount,
        amount_refunded=payment.amount_refunded,
        currency=payment.currency,
    )


def payment_request(
    *, order: Order, attempt: int, amount: Decimal, data: dict[str, str], return_url: str
) -> PaymentRequest:
    description = (
        _("Order #%(number)s") % {"number": order.number}
        if order.number
        else _("Order %(ref)s") % {"ref": str(order.uuid)[:8]}
    )
    return PaymentRequest(
        reference=str(order.uuid),
        amount=amount,
        currency=order.currency,
        email=order.email,
        description=description,
        idempotency_key=payment_key(order=order, attempt=attempt),
        return_url=return_url,
        data=dict(data),
    )


def payment_record(
    *, order: Order, attempt: int, gateway_code: str, amount: Decimal, result: GatewayResult | None
) -> Payment:
    """Save the attempt (the order row must exist) with the gateway's first answer, as PENDING;
    `payment_apply` then moves it to the answer's status with its effects."""
    payment = Payment(
        order=order,
        attempt=attempt,
        gateway=gateway_code,
        idempotency_key=payment_key(order=order, attempt=attempt),
        amount=amount,
        currency=order.currency,
        status=P.PENDING,
    )
    if result is not None:
        _result_copy(payment, result)
    payment.save()
    order_event_add(
        order=order,
        kind=OrderEventKind.PAYMENT_STARTED,
        params={
            "amount": str(amount),
            "currency": order.currency,
            "gateway": gateway_code,
            "attempt": attempt,
        },
    )
    return payment


def _result_copy(payment: Payment, result: GatewayResult) -> None:
    payment.external_id = payment.external_id or result.external_id
    payment.client_secret = result.client_secret[:255]
    payment.action_url = result.action_url[:2000]
    payment.error_code = result.error_code[:100]
    payment.error_message = str(result.error_message)[:500]
    if result.fee is not None:
        payment.fee = result.fee


# ------------------------------------------------------------------------------
# applying news about a payment
# ------------------------------------------------------------------------------
def payment_apply(
    *,
    order: Order,
    payment: Payment,
    status: str,
    amount_refunded: Decimal | None = None,
    occurred_at: datetime | None = None,
    result: GatewayResult | None = None,
    actor: User | None = None,
    error_code: str = "",
    error_message: str = "",
) -> None:
    """Apply what is now known about `payment` (see the module docstring). The caller holds
    the order's lock (`order_lock`, or the placement's checkout lock on a new order) and saves
    nothing else: this saves the payment and the order. `error_code`/`error_message` (a later
    update's reason for a failure) are kept when the payment ends unpaid with this news."""
    if result is not None:
        _result_copy(payment, result)
    previous = payment.status
    if rank(status) > rank(previous):
        payment.status = status
    if (error_code or error_message) and payment.status == status and status in ENDED_UNPAID:
        payment.error_code = error_code[:100]
        payment.error_message = str(error_message)[:500]
    if occurred_at is not None and (
        payment.status_updated_at is None or occurred_at > payment.status_updated_at
    ):
        payment.status_updated_at = occurred_at
    changed = payment.status != previous
    money = {"amount": str(payment.amount), "currency": payment.currency, "gateway": payment.gateway}

    if payment.status in CAPTURED and not payment.captured:
        payment.captured = True
        payment.error_code, payment.error_message = "", ""
        payment.save()
        order.amount_paid += payment.amount
        order.save(update_fields=["amount_paid", "updated_at"])
        order_event_add(order=order, kind=OrderEventKind.PAYMENT_SUCCEEDED, params=money, actor=actor)
        _captured_effects(order=order, payment=payment, actor=actor)
    elif changed and payment.status == P.REQUIRES_ACTION:
        order_event_add(order=order, kind=OrderEventKind.PAYMENT_ACTION_REQUIRED, params=money, actor=actor)
    elif changed and payment.status in ENDED_UNPAID and not payment.captured:
        kind = (
            OrderEventKind.PAYMENT_FAILED if payment.status == P.FAILED else OrderEventKind.PAYMENT_CANCELLED
        )
        order_event_add(
            order=order,
            kind=kind,
            params={**money, "error_code": payment.error_code, "error_message": payment.error_message},
            actor=actor,
        )
        _failed_effects(order=order, payment=payment, actor=actor)

    if amount_refunded is not None and payment.captured:
        refunded = min(money_quantize(amount_refunded, payment.currency), payment.amount)
        if refunded > payment.amount_refunded:
            refunded_at_gateway(order=order, payment=payment, new_total=refunded, actor=actor)
    payment.save()
    order.save()
    order_money_status_sync(order=order, actor=actor)


def _captured_effects(*, order: Order, payment: Payment, actor: User | None) -> None:
    if order.status == OrderStatus.CANCELLED:
        # The shopper completed a payment after the order was cancelled (hold expired meanwhile).
        refund_create(
            order=order,
            payment=payment,
            amount=payment.amount - payment.amount_refunded,
            reason=_("The order was cancelled before this payment arrived."),
            actor=actor,
            raise_on_failure=False,
        )
        return
    if order.status == OrderStatus.PENDING:
        if order.balance_due <= 0:
            order_paid_effects(order=order, actor=actor)
        return
    if order.balance_due < 0:
        # Paid twice (an abandoned attempt completed after another one): give the surplus back.
        surplus = min(-order.balance_due, payment.amount - payment.amount_refunded)
        if surplus > 0:
            refund_create(
                order=order,
                payment=payment,
                amount=surplus,
                reason=_("More was paid than the order costs."),
                actor=actor,
                raise_on_failure=False,
            )


def _failed_effects(*, order: Order, payment: Payment, actor: User | None) -> None:
    """The order's live attempt ended unpaid: give back what it held, so the shopper may retry."""
    if order.status != OrderStatus.PENDING:
        return
    latest = live_payment(order)
    if latest is not None and latest.pk != payment.pk:
        return  # an older attempt; the newer one holds the stock now
    stock_release(order=order, actor=actor)
    redemptions_reverse(order=order)
    if order.origin != OrderOrigin.CHECKOUT:
        # A draft's link stays valid; nothing is held until the next attempt.
        order.hold_expires_at = None
    order.save()


def order_paid_effects(*, order: Order, actor: User | None = None) -> None:
    """A pending order's balance is covered: commit its stock, mark it paid, complete its
    checkout, count it for the customer, emit `order.paid`, and cancel any other attempt still
    open at its gateway."""
    if order.stock_status != OrderStockStatus.COMMITTED:
        stock_commit(order=order, actor=actor)
    redemptions_record_again(order=order, actor=actor)
    order.hold_expires_at = None
    order.save()
    _order_transition(order=order, to=OrderStatus.PAID, actor=actor)
    customer_count(order=order)  # once: checkout orders were counted at placement
    if order.origin == OrderOrigin.CHECKOUT and order.checkout_token is not None:
        checkout = Checkout.objects.filter(token=order.checkout_token, status=Checkout.Status.OPEN).first()
        if checkout is not None:
            checkout_complete_mark(checkout=checkout, order_reference=str(order.uuid))
    order.save()
    order_emit(name=ORDER_PAID, order=order)
    payments_in_flight_cancel(order=order, actor=actor)


def payments_in_flight_cancel(
    *, order: Order, actor: User | None = None, keep: Payment | None = None
) -> None:
    """Cancel the order's attempts still open at their gateways (but `keep`). One that turns
    out to have succeeded meanwhile is applied as such (and refunded when not needed)."""
    open_payments = order.payments.filter(status__in=IN_FLIGHT)
    if keep is not None:
        open_payments = open_payments.exclude(pk=keep.pk)
    for payment in open_payments.exclude(external_id="").order_by("attempt"):
        gateway = gateway_get(payment.gateway, enabled_only=False)
        try:
            result = gateway.cancel(external_id=payment.external_id)
        except PaymentError:
            # Not cancellable any more: most likely it just succeeded; take what the gateway says.
            try:
                result = gateway.retrieve(external_id=payment.external_id)
            except PaymentError:
                logger.warning("could not cancel payment %s of order %s", payment.external_id, order.number)
                continue
        payment_apply(order=order, payment=payment, status=result.status, result=result, actor=actor)
    # Attempts never sent to a gateway (an edit's balance link not used yet).
    for payment in open_payments.filter(external_id="").order_by("attempt"):
        payment_apply(order=order, payment=payment, status=P.CANCELLED, actor=actor)


def order_money_status_sync(*, order: Order, actor: User | None = None) -> None:
    """Let a paid order's status follow its money (rules in the module docstring)."""
    if order.status not in PAID_STATUSES:
        return
    owed = order.total - order.gift_card_total - order.store_credit_total
    if order.amount_paid > 0 and order.net_paid <= 0:
        target = OrderStatus.REFUNDED
    elif order.amount_refunded > 0 and order.net_paid < owed:
        target = OrderStatus.PARTIALLY_REFUNDED
    elif order.status == OrderStatus.PARTIALLY_REFUNDED:
        target = OrderStatus.PAID
    else:
        return
    if target != order.status and transition_allowed(current=order.status, to=target):
        _order_transition(order=order, to=target, actor=actor, params={"reason": "refund"})
        if target == OrderStatus.REFUNDED:
            customer_uncount(order=order)
            order.save(update_fields=["customer_counted", "updated_at"])


# ------------------------------------------------------------------------------
# the payment update handler and manual payments
# ------------------------------------------------------------------------------
def order_payment_update(update: PaymentUpdate) -> None:
    """Apply a later payment update (registered with apps.payments in OrdersConfig.ready()).

    Idempotent on `update.event_id` and monotonic (see the module docstring), so duplicates and
    any arrival order end in the same state. A failure's reason (`error_code`, `error_message`)
    is stored on the payment, for the shopper's payment step and the staff's order page. An
    update for no payment of ours is ignored."""
    found = (
        Payment.objects.filter(gateway=update.gateway, external_id=update.external_id)
        .values_list("pk", "order_id", "currency")
        .first()
    )
    if found is None or not update.external_id:
        logger.info("payment update for unknown payment %s/%s ignored", update.gateway, update.external_id)
        return
    payment_id, order_id, currency = found
    if update.currency and update.currency.upper() != currency:
        logger.warning(
            "payment update %s in %s for a %s payment ignored", update.event_id, update.currency, currency
        )
        return
    event_id = (
        update.event_id
        or f"{update.gateway}:{update.external_id}:{update.status}:{update.occurred_at.isoformat()}"
    )
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        try:
            with transaction.atomic():
                PaymentUpdateRecord.objects.create(
                    payment=payment,
                    event_id=event_id[:255],
                    status=update.status,
                    amount_refunded=update.amount_refunded,
                    occurred_at=update.occurred_at,
                )
        except IntegrityError:
            return  # applied already
        payment_apply(
            order=order,
            payment=payment,
            status=update.status,
            amount_refunded=update.amount_refunded,
            occurred_at=update.occurred_at,
            error_code=update.error_code,
            error_message=update.error_message,
        )


def order_mark_paid(*, order: Order, actor: User | None, gateway_code: str = "") -> Order:
    """Staff received a manual payment (bank transfer, cash on delivery): the order's pending
    manual payment succeeds, and the order becomes paid with `order.paid`.

    An order with no manual payment under way (a draft paid by transfer) gets one through
    `gateway_code` (a manual gateway) for its balance."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.status != OrderStatus.PENDING:
            raise OrderError(
                _("Order #%(number)s is not waiting for a payment.") % {"number": locked.number},
                code=OrderErrorCode.NOTHING_TO_PAY,
                params={"number": locked.number, "status": locked.status},
            )
        payment = (
            locked.payments.filter(status__in=IN_FLIGHT, gateway__in=sorted(MANUAL_GATEWAY_CODES))
            .order_by("-attempt")
            .first()
        )
        if payment is None:
            if not gateway_is_manual(gateway_code):
                raise OrderError(
                    _("Only a manual payment (bank transfer, cash on delivery) can be marked as paid."),
                    code=OrderErrorCode.NOT_MANUAL_PAYMENT,
                    params={"gateway": gateway_code},
                )
            amount = locked.balance_due
            if amount <= 0:
                raise OrderError(
                    _("Nothing is left to pay on this order."), code=OrderErrorCode.NOTHING_TO_PAY
                )
            attempt = next_attempt(locked)
            request = payment_request(order=locked, attempt=attempt, amount=amount, data={}, return_url="")
            result = gateway_get(gateway_code, enabled_only=False).start(request)
            payment = payment_record(
                order=locked, attempt=attempt, gateway_code=gateway_code, amount=amount, result=result
            )
        order_event_add(
            order=locked,
            kind=OrderEventKind.MARKED_PAID,
            params={"amount": str(payment.amount), "currency": payment.currency, "gateway": payment.gateway},
            actor=actor,
        )
        payment_apply(
            order=locked, payment=payment, status=P.SUCCEEDED, occurred_at=timezone.now(), actor=actor
        )
    return locked
