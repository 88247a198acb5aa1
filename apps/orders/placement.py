"""Turning a checkout into an order and taking its payment: `order_place`, and `order_pay` for an
order paid later through a payment link (a draft order, or an edited order's balance). Both
run the same path.

One transaction per call, in this order (the lock order of `apps.orders.locks`):

1. Lock the checkout row. Completions of one checkout queue here; the lock is held through
   the gateway call, so the second completion of a checkout finds the first one's order.
2. A repeat (the order is paid, or its payment is under way at the same gateway) answers with
   the order and its payment as they stand: no new attempt, no second charge. A payment method
   chosen must be one the store offers (`PaymentError` otherwise, before anything happens).
3. Re-check the checkout (`checkout_review`): sold-out or unavailable lines, changed prices, a
   missing address or method, codes that lapsed, the total the shopper confirmed
   (`expected_total`, compared with `Totals.total`) and the amount due they confirmed after
   gift cards and store credit (`expected_amount_due`, compared with `Totals.amount_due`, so a
   gift card spent elsewhere meanwhile is never silently charged to the card), and that a
   payment method was chosen if anything is left to pay. Any of these raises
   `PlacementRefused` before anything is written or charged.
4. Hold the stock (`order:<uuid>`, expiring after ORDER_STOCK_HOLD_MINUTES, or
   ORDER_MANUAL_PAYMENT_HOLD_HOURS for bank transfer and cash on delivery), variants in id
   order; then record discount uses, gift card and store credit debits, and find or create the
   customer record. Any failing raises (`SOLD_OUT`, `REDEMPTION_FAILED`) and the transaction
   undoes the rest: nothing charged.
5. Start the payment at the gateway with the idempotency key `order:<uuid>:attempt:<n>`.
   A `PaymentError` (gateway unreachable) undoes everything too. When gift cards and store
   credit cover everything (amount due 0) no gateway is needed or called: the order is paid at
   once (stock committed, redemptions kept, `order.paid`) and has no payment attempt.
6. Write the order (the order number last: see `apps.orders.numbering`), its lines, discounts, payment and timeline, then apply the
   gateway's answer (`apps.orders.settlement.payment_apply`): success commits the stock and
   marks the order paid; a decline releases the stock and reverses the redemptions and leaves
   the order pending with the error, and the shopper can try again on the same checkout (the
   same order, a new attempt); an authentication step or a manual payment keeps the stock held
   until the hold runs out.

The order's uuid is derived from the checkout's token (and how many of its orders were
cancelled), so a completion whose transaction died after the gateway answered is retried
with the same idempotency key, and the gateway answers with the same payment instead of
charging again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.checkout.errors import CheckoutErrorCode
from apps.checkout.models import Checkout, Discount
from apps.checkout.pricing import Totals
from apps.checkout.selectors.checkout import CheckoutReview, checkout_review
from apps.checkout.selectors.codes import collection_members, discount_input
from apps.checkout.selectors.shipping import tax_rate_for
from apps.checkout.services import checkout_complete_mark
from apps.core.money import money_display, money_quantize
from apps.orders.calculations import discount_rule
from apps.orders.customers import customer_attach, customer_count, customer_uncount
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode, PlacementRefused
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderDiscount, OrderLine, Payment
from apps.orders.numbering import order_number_next
from apps.orders.redemptions import redemptions_record, redemptions_reverse
from apps.orders.settlement import (
    IN_FLIGHT,
    P,
    Placement,
    live_payment,
    next_attempt,
    order_paid_effects,
    payment_apply,
    payment_record,
    payment_request,
    payment_result,
    payments_in_flight_cancel,
)
from apps.orders.stock import order_quantities, stock_release, stock_reserve
from apps.orders.timeline import ORDER_CREATED, order_emit, order_event_add
from apps.orders.transitions import FINAL_STATUSES
from apps.payments.enums import GatewayKind
from apps.payments.gateways.base import Gateway, GatewayResult, gateway_get

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = ["ORDER_UUID_NAMESPACE", "Placement", "order_pay", "order_place"]

# Order uuids of checkout orders are uuid5(this, "<checkout token>:<cancelled orders before>").
ORDER_UUID_NAMESPACE = uuid.UUID("4f1b8c43-0f0e-4e57-9d54-8a9b3f0c2d71")

SOLD_OUT_CODES = frozenset(
    {
        CheckoutErrorCode.LINE_SOLD_OUT,
        CheckoutErrorCode.LINE_INSUFFICIENT_STOCK,
        CheckoutErrorCode.LINE_UNAVAILABLE,
    }
)


def hold_until(*, manual: bool) -> datetime:
    now = timezone.now()
    if manual:
        return now + timedelta(hours=settings.ORDER_MANUAL_PAYMENT_HOLD_HOURS)
    return now + timedelta(minutes=settings.ORDER_STOCK_HOLD_MINUTES)


def _repeat(order: Order, *, gateway_code: str) -> Placement | None:
    """The answer to a repeated completion, or None when this is a new attempt."""
    live = live_payment(order)
    result = payment_result(live) if live is not None else None
    if order.status != OrderStatus.PENDING:
        return Placement(order=order, payment=live, result=result)
    if live is not None and live.status in IN_FLIGHT and live.gateway == gateway_code:
        return Placement(order=order, payment=live, result=result)
    return None


def _as_money(value: Decimal | str, currency: str) -> Decimal | None:
    try:
        return money_quantize(Decimal(str(value)), currency)
    except (ArithmeticError, ValueError):
        return None


def _refused(
    review: CheckoutReview, expected_total: Decimal | str, expected_amount_due: Decimal | str | None
) -> PlacementRefused | None:
    problems = review.problems
    details = [{"code": str(p.code), "message": str(p), "params": p.params, "line": p.line} for p in problems]
    codes = {p.code for p in problems}
    if problems:
        if codes & SOLD_OUT_CODES:
            code = OrderErrorCode.SOLD_OUT
        elif CheckoutErrorCode.PRICE_CHANGED in codes:
            code = OrderErrorCode.PRICE_CHANGED
        elif CheckoutErrorCode.CART_EMPTY in codes:
            code = OrderErrorCode.CHECKOUT_EMPTY
        else:
            code = OrderErrorCode.CHECKOUT_NOT_READY
        return PlacementRefused(" ".join(str(p) for p in problems), code=code, params={"problems": details})
    total = review.totals.total
    if _as_money(expected_total, review.currency) != total:
        params = {"expected": str(expected_total), "total": str(total), "currency": review.currency}
        return PlacementRefused(
            _("The total changed to %(total)s since you reviewed your order. Check it and confirm again.")
            % {"total": money_display(total, review.currency)},
            code=OrderErrorCode.TOTAL_CHANGED,
            params=params,
        )
    due = review.totals.amount_due
    if expected_amount_due not in (None, "") and _as_money(expected_amount_due, review.currency) != due:
        params = {"expected": str(expected_amount_due), "amount": str(due), "currency": review.currency}
        return PlacementRefused(
            _(
                "The amount to pay changed to %(amount)s (a gift card or your store credit changed). Check it and confirm again."
            )
            % {"amount": money_display(due, review.currency)},
            code=OrderErrorCode.AMOUNT_DUE_CHANGED,
            params=params,
        )
    return None


def _order_from_checkout(*, checkout: Checkout, review: CheckoutReview, order: Order | None) -> Order:
    """A new (unsaved) order for the checkout, or `order` with its snapshot refreshed."""
    if order is None:
        cancelled = Order.objects.filter(checkout_token=checkout.token).count()
        order = Order(
            uuid=uuid.uuid5(ORDER_UUID_NAMESPACE, f"{checkout.token}:{cancelled}"),
            origin=OrderOrigin.CHECKOUT,
            status=OrderStatus.PENDING,
            checkout_token=checkout.token,
        )
    totals = review.totals
    order.email = checkout.email
    order.user = checkout.user
    order.language = checkout.language
    order.currency = review.currency
    order.prices_include_tax = review.prices_include_tax
    order.shipping_address = dict(checkout.shipping_address or {})
    order.billing_address = dict(
        checkout.shipping_address if checkout.billing_same_as_shipping else checkout.billing_address or {}
    )
    chosen = review.shipping
    order.shipping_method_name = chosen.name if chosen is not None else ""
    order.shipping_rate_id = chosen.rate_id if chosen is not None else None
    order.shipping_price = chosen.amount if chosen is not None else Decimal(0)
    order.shipping_taxable = True
    tax = tax_rate_for(destination=review.destination) if totals.tax_rate is not None else None
    order.tax_rate = totals.tax_rate
    order.tax_name = totals.tax_name
    order.tax_applies_to_shipping = tax.applies_to_shipping if tax is not None else True
    _totals_copy(order, totals)
    return order


def _totals_copy(order: Order, totals: Totals) -> None:
    order.subtotal = totals.subtotal
    order.discount_total = totals.discount_total
    order.shipping_total = totals.shipping_total
    order.tax_total = totals.tax_total
    order.total = totals.total
    order.gift_card_total = totals.gift_card_total
    order.store_credit_total = totals.store_credit_applied
    order.gift_cards = [[code, str(amount)] for code, amount in totals.gift_cards]


def _lines_write(*, order: Order, review: CheckoutReview) -> None:
    """The order's lines and discounts as the review priced them (replacing earlier ones)."""
    totals = review.totals
    order.lines.all().delete()
    order.discounts.all().delete()
    rules = {
        d.pk: discount_input(d) for d in Discount.objects.filter(pk__in=[a.id for a in totals.discounts])
    }
    wanted = {cid for rule in rules.values() for cid in (rule.collection_ids or ())}
    members = collection_members(
        collection_ids=wanted, product_ids={line.product_id for line in review.lines}
    )
    by_key = {line_totals.key: line_totals for line_totals in totals.lines}
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant_id=line.variant_id,
                product_id_snapshot=line.product_id,
                collection_ids=sorted(members.get(line.product_id, frozenset())),
                product_title=line.product_title[:255],
                variant_title=line.variant_title[:255],
                sku=line.sku[:100],
                weight_grams=line.weight_grams,
                quantity=line.quantity,
                unit_price=by_key[line.key].unit_price,
                subtotal=by_key[line.key].subtotal,
                discount=by_key[line.key].discount,
                tax=by_key[line.key].tax,
                total=by_key[line.key].total,
                position=position,
            )
            for position, line in enumerate(review.lines)
        ]
    )
    OrderDiscount.objects.bulk_create(
        [
            OrderDiscount(
                order=order,
                discount_id_snapshot=applied.id,
                code=applied.code[:64],
                name=applied.name[:120],
                kind=applied.kind or (rules[applied.id].kind if applied.id in rules else ""),
                value=rules[applied.id].value if applied.id in rules else Decimal(0),
                rule=discount_rule(rules[applied.id]) if applied.id in rules else {},
                amount=applied.amount,
            )
            for applied in totals.discounts
        ]
    )


def _gateway(code: str) -> tuple[Gateway, bool]:
    gateway = gateway_get(code)
    return gateway, gateway.kind == GatewayKind.OFFLINE


def order_place(
    *,
    checkout: Checkout,
    gateway_code: str,
    payment_data: Mapping[str, str],
    expected_total: Decimal | str,
    return_url: str,
    expected_amount_due: Decimal | str | None = None,
) -> Placement:
    """Complete `checkout`: the order, held stock, redemptions and the payment attempt (see the
    module docstring). Returns the order with the attempt and the gateway's answer; raises
    `PlacementRefused`/`OrderError` (nothing written, nothing charged) or `PaymentError`
    (the gateway could not be asked; nothing written).

    `gateway_code` may be "" when gift cards and store credit leave nothing to pay (a method
    given then is checked but not called). `expected_amount_due` (optional) is the amount due
    the shopper confirmed; None or "" skips that comparison."""
    with transaction.atomic():
        locked = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("cart", "user")
            .get(pk=checkout.pk)
        )
        order = (
            Order.objects.select_for_update()
            .filter(checkout_token=locked.token)
            .exclude(status=OrderStatus.CANCELLED)
            .first()
        )
        if order is not None:
            repeat = _repeat(order, gateway_code=gateway_code)
            if repeat is not None:
                return repeat
        if locked.status != Checkout.Status.OPEN:
            raise PlacementRefused(
                _("This checkout is already completed."), code=OrderErrorCode.CHECKOUT_CLOSED
            )
        gateway: Gateway | None = None
        manual = False
        if gateway_code:
            gateway, manual = _gateway(gateway_code)
        if order is not None:
            # Another method or a changed cart: the earlier attempt is dropped (its stock and
            # redemptions come back) before the checkout is checked again.
            payments_in_flight_cancel(order=order)
            if order.status != OrderStatus.PENDING:
                # The attempt could not be cancelled because it had just succeeded: paid.
                taken = order.payments.filter(captured=True).order_by("-attempt").first()
                return Placement(
                    order=order, payment=taken, result=payment_result(taken) if taken is not None else None
                )
            stock_release(order=order)
            redemptions_reverse(order=order)
        review = checkout_review(checkout=locked)
        refused = _refused(review, expected_total, expected_amount_due)
        if refused is not None:
            raise refused
        totals = review.totals
        if gateway is None and totals.amount_due > 0:
            raise PlacementRefused(
                _("Choose a payment method."), code=OrderErrorCode.PAYMENT_METHOD_REQUIRED, field="method"
            )
        is_new = order is None
        if order is not None:
            # Counted again below, with this attempt's total and (maybe changed) email.
            customer_uncount(order=order)
        order = _order_from_checkout(checkout=locked, review=review, order=order)
        attempt = next_attempt(order)
        order.hold_expires_at = hold_until(manual=manual)
        quantities: dict[int, int] = {}
        for line in review.lines:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
        units = stock_reserve(order=order, quantities=quantities, expires_at=order.hold_expires_at)
        redemptions_record(order=order, checkout=locked, totals=totals, attempt=attempt)
        # The customer record before the charge (nothing left to refuse after it) and before
        # the order number (see apps.orders.locks for the lock order).
        name = str((order.shipping_address or {}).get("name", ""))
        phone = str((order.shipping_address or {}).get("phone", ""))
        customer_attach(order=order, name=name, phone=phone)
        order.placed_at = order.placed_at or timezone.now()
        customer_count(order=order)

        amount = totals.amount_due
        result: GatewayResult | None = None
        if amount > 0 and gateway is not None:
            result = gateway.start(
                payment_request(
                    order=order,
                    attempt=attempt,
                    amount=amount,
                    data=dict(payment_data),
                    return_url=return_url,
                )
            )

        if is_new:
            order.number = order_number_next()  # the counter row stays locked until commit
            order.save()
            order_event_add(
                order=order,
                kind=OrderEventKind.PLACED,
                params={"email": order.email, "total": str(order.total), "currency": order.currency},
                actor=locked.user,
            )
            order_emit(name=ORDER_CREATED, order=order)
        else:
            order.save()
        _lines_write(order=order, review=review)
        if units and is_new:
            order_event_add(order=order, kind=OrderEventKind.STOCK_RESERVED, params={"units": units})

        if result is None:  # gift cards and store credit paid for everything
            order_paid_effects(order=order)
            return Placement(order=order, payment=None, result=None)
        payment = payment_record(
            order=order, attempt=attempt, gateway_code=gateway_code, amount=amount, result=result
        )
        payment_apply(order=order, payment=payment, status=result.status, result=result)
        if manual and order.status == OrderStatus.PENDING and payment.status in IN_FLIGHT:
            # Bank transfer, cash on delivery: the shopper is done; staff mark it paid later.
            checkout_complete_mark(checkout=locked, order_reference=str(order.uuid))
        return Placement(order=order, payment=payment, result=result)


def order_pay(
    *,
    order: Order,
    gateway_code: str,
    payment_data: Mapping[str, str],
    return_url: str,
    actor: User | None = None,
) -> Placement:
    """Pay what an order still owes (a draft order from its payment link, or the balance an
    edit added), through the same path as `order_place`: a repeat answers with the attempt under
    way; a pending order's stock is held for the attempt (`SOLD_OUT` before any charge); the
    gateway's answer is applied the same way."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.status in FINAL_STATUSES:
            raise OrderError(
                _("Order #%(number)s is %(status)s; nothing can be paid on it.")
                % {"number": locked.number, "status": OrderStatus(locked.status).label},
                code=OrderErrorCode.NOTHING_TO_PAY,
                params={"number": locked.number, "status": locked.status},
            )
        live = live_payment(locked)
        if live is not None and live.status in IN_FLIGHT and live.gateway == gateway_code:
            return Placement(order=locked, payment=live, result=payment_result(live))
        gateway, manual = _gateway(gateway_code)
        amount = locked.balance_due
        if amount <= 0:
            raise OrderError(
                _("Nothing is left to pay on order #%(number)s.") % {"number": locked.number},
                code=OrderErrorCode.NOTHING_TO_PAY,
                params={"number": locked.number},
            )
        # A balance payment an edit created (no gateway yet) becomes this attempt while its
        # amount is still what is owed; every other open attempt is dropped first.
        unstarted = live if live is not None and live.status == P.PENDING and not live.gateway else None
        if unstarted is not None and unstarted.amount != amount:
            unstarted = None
        payments_in_flight_cancel(order=locked, keep=unstarted)
        if locked.status == OrderStatus.PENDING and locked.stock_status != OrderStockStatus.COMMITTED:
            stock_release(order=locked, actor=actor)
            locked.hold_expires_at = hold_until(manual=manual)
            stock_reserve(
                order=locked,
                quantities=order_quantities(locked),
                expires_at=locked.hold_expires_at,
                actor=actor,
            )
        attempt = unstarted.attempt if unstarted is not None else next_attempt(locked)
        result = gateway.start(
            payment_request(
                order=locked, attempt=attempt, amount=amount, data=dict(payment_data), return_url=return_url
            )
        )
        locked.save()
        if unstarted is not None:
            unstarted.gateway = gateway_code
            unstarted.save(update_fields=["gateway", "updated_at"])
            payment: Payment = unstarted
        else:
            payment = payment_record(
                order=locked, attempt=attempt, gateway_code=gateway_code, amount=amount, result=result
            )
        payment_apply(order=locked, payment=payment, status=result.status, result=result, actor=actor)
        return Placement(order=locked, payment=payment, result=result)
