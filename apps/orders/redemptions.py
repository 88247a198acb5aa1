"""The checkout's discounts, gift cards and store credit, as used by an order.

They are recorded (discount uses counted, balances debited) through
`apps.checkout.services.checkout_redemptions_record` inside the transaction that starts a
payment, before the gateway is called, so a code that ran out or a card that was emptied
meanwhile stops the order before anything is charged. They are reversed when the payment fails,
the hold expires or the order is cancelled.

Each payment attempt records under its own reference, `<order uuid>:<attempt>`: the checkout
keeps one use per discount per reference, so a retry after a reversal records afresh instead
of meeting the reversed row. `Order.redemption_reference` names the live one ("" when none).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from apps.checkout.errors import CheckoutError
from apps.checkout.models import Checkout
from apps.checkout.pricing import AppliedDiscount, Totals
from apps.checkout.services import checkout_redemptions_record, checkout_redemptions_reverse
from apps.orders.enums import OrderEventKind
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order
from apps.orders.timeline import order_event_add

if TYPE_CHECKING:
    from apps.accounts.models import User


def totals_redeem_anything(totals: Totals) -> bool:
    return bool(totals.discounts or totals.gift_cards or totals.store_credit_applied)


def redemptions_record(*, order: Order, checkout: Checkout, totals: Totals, attempt: int) -> None:
    """Record what `totals` uses for `order`'s payment attempt; raises
    `OrderError(REDEMPTION_FAILED)` with the checkout's own code when something no longer holds."""
    if not totals_redeem_anything(totals):
        return
    reference = f"{order.uuid}:{attempt}"
    try:
        checkout_redemptions_record(
            checkout=checkout, totals=totals, order_reference=reference, email=order.email, user=order.user
        )
    except CheckoutError as exc:
        raise OrderError(
            exc.message,
            code=OrderErrorCode.REDEMPTION_FAILED,
            field=exc.field,
            params={"checkout_code": str(exc.code), **exc.params},
        ) from exc
    order.redemption_reference = reference


def redemptions_reverse(*, order: Order, most: Decimal | None = None) -> bool:
    """Give back what the order's live attempt used (idempotent), its gift card and store credit
    amounts in all at most `most` (None: all); True if there was one."""
    if not order.redemption_reference:
        return False
    checkout_redemptions_reverse(order_reference=order.redemption_reference, most=most)
    order.redemption_reference = ""
    return True


def _snapshot_totals(order: Order) -> Totals:
    discounts = tuple(
        AppliedDiscount(d.discount_id_snapshot, d.code, d.name, d.amount, d.kind)
        for d in order.discounts.filter(is_manual=False, discount_id_snapshot__isnull=False)
        if d.discount_id_snapshot is not None
    )
    cards = tuple((str(code), Decimal(str(amount))) for code, amount in order.gift_cards or ())
    return Totals(
        currency=order.currency,
        lines=(),
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        shipping_total=order.shipping_total,
        tax_total=order.tax_total,
        total=order.total,
        gift_cards=cards,
        store_credit_applied=order.store_credit_total,
        amount_due=max(
            order.total - sum((a for _c, a in cards), Decimal(0)) - order.store_credit_total, Decimal(0)
        ),
        discounts=discounts,
        prices_include_tax=order.prices_include_tax,
    )


def redemptions_record_again(*, order: Order, actor: User | None = None) -> None:
    """Record a paid order's redemptions when its failed attempt had given them back."""
    if order.redemption_reference or order.checkout_token is None:
        return
    totals = _snapshot_totals(order)
    if not totals_redeem_anything(totals):
        return
    checkout = Checkout.objects.filter(token=order.checkout_token).first()
    if checkout is None:
        return
    reference = f"{order.uuid}:paid"
    try:
        with transaction.atomic():
            checkout_redemptions_record(
                checkout=checkout,
                totals=totals,
                order_reference=reference,
                email=order.email,
                user=order.user,
            )
    except CheckoutError as exc:
        order_event_add(
            order=order,
            kind=OrderEventKind.REDEMPTION_FAILED,
            params={"code": str(exc.code), **{k: str(v) for k, v in exc.params.items()}},
            actor=actor,
        )
        return
    order.redemption_reference = reference
