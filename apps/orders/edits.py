"""Staff change an order before anything of it has shipped: add, remove or re-count lines, give
or take back a discount of their own, change the shipping; the price difference is charged or
refunded.

Which orders: pending (a draft, or a placed order not paid yet) and paid ones (`paid`,
`partially_refunded`: `apps.orders.transitions.EDITABLE_STATUSES`). A pending order whose card
payment is under way cannot be edited (the shopper is paying the old amount); one waiting for
a manual payment (bank transfer, cash) can, and the amount expected is updated.

Each edit, in one transaction under the order's lock:

1. The lines and discounts are changed and the order is priced again by
   `apps.checkout.pricing.calculate` with what the order was priced with at placement (its
   discount rules, tax rate, shipping price; see `apps.orders.calculations`).
2. Stock follows the quantities: an order holding stock holds more or less (reserved until the
   same `hold_expires_at`); an order whose stock was sold takes more from stock at once
   (reserved and committed; `SOLD_OUT` refuses the edit) or puts units back on hand.
3. The timeline gets an `edited` entry with the old and new totals.
4. The difference is settled when the order has been paid:
   - it owes more: a new pending `Payment` for the difference (no gateway yet) and a payment
     link (`EditResult.payment_link`) the shopper pays through, like a draft's;
   - it owes less: the difference is refunded through the gateways that took the money (newest
     payment first, idempotency key `order:<uuid>:refund:<n>`). A refused refund undoes the edit.
     More than was paid through gateways (gift cards and store credit covered the rest) cannot be
     refunded this way and is refused.
   The status rule (`apps.orders.settlement.order_money_status_sync`): a refund that settles an
   edit leaves the order `paid`, since what it was paid still covers what it now contains;
   `partially_refunded` is for money given back while the order still costs more. Paying an
   edit's balance brings a partially refunded order back to `paid`.

`order_edit_preview` answers "what would this change do?" before staff confirm it: it makes the
change on copies of the order, its lines and discounts with the same change function and the
same pricing as the edit (`_change_make`, `_price`) and works out the settlement as step 4
would, writing nothing. The dashboard shows it, then confirms with `order_edit_apply` (the same
`EditChange`); the `order_edit_*` services are shorthands for one change each.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ProductVariant
from apps.checkout.pricing import Totals
from apps.checkout.selectors.codes import collection_members
from apps.customers.services import customer_order_recorded, customer_order_reverted
from apps.orders.calculations import order_calculate, totals_apply
from apps.orders.drafts import (
    ManualDiscount,
    amount_check,
    line_for_variant,
    manual_discount_row,
    order_payment_link,
    quantity_check,
)
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.errors import OrderError, OrderErrorCode, OrderNotEditable
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderDiscount, OrderLine, Payment, Refund
from apps.orders.refunds import order_refund
from apps.orders.settlement import (
    IN_FLIGHT,
    P,
    next_attempt,
    order_money_status_sync,
    payment_key,
    payments_in_flight_cancel,
)
from apps.orders.stock import lines_quantities, stock_follow
from apps.orders.timeline import order_event_add
from apps.orders.transitions import EDITABLE_STATUSES, PAID_STATUSES
from apps.payments.gateways.manual import gateway_is_manual

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal(0)


@dataclass(frozen=True)
class EditResult:
    order: Order
    # The payment the shopper owes after the edit (with `payment_link`), if it costs more.
    balance_payment: Payment | None = None
    payment_link: str = ""
    refunds: list[Refund] = field(default_factory=list)


class EditAction:
    ADD_LINE = "add_line"
    SET_QUANTITY = "set_quantity"
    REMOVE_LINE = "remove_line"
    DISCOUNT = "discount"
    SHIPPING = "shipping"

    values = (ADD_LINE, SET_QUANTITY, REMOVE_LINE, DISCOUNT, SHIPPING)


@dataclass(frozen=True)
class EditChange:
    """One change staff ask for: what `order_edit_preview` previews and `order_edit_apply`
    makes (each `order_edit_*` service builds one)."""

    action: str
    variant_id: int | None = None  # ADD_LINE
    line_id: int | None = None  # SET_QUANTITY, REMOVE_LINE
    quantity: int | None = None  # ADD_LINE: how many to add; SET_QUANTITY: the new quantity
    unit_price: Decimal | None = None  # ADD_LINE: None = the variant's price now
    discount: ManualDiscount | None = None  # DISCOUNT: None takes the staff discount away
    shipping_name: str = ""  # SHIPPING: "" keeps the method's name
    shipping_amount: Decimal | int | str | None = None  # SHIPPING


class Settlement:
    """What applying an edit does with the money (step 4 of the module docstring)."""

    NONE = "none"  # the total did not change what is owed
    CHARGE = "charge"  # the shopper will be asked to pay the difference (payment link)
    REFUND = "refund"  # the difference will be refunded through the gateways
    UNPAID = "unpaid"  # not paid yet: the amount the shopper will pay changes


@dataclass(frozen=True)
class PreviewLine:
    title: str
    sku: str
    quantity: int
    old_quantity: int  # 0: added by this edit
    unit_price: Decimal
    total: Decimal
    removed: bool = False


@dataclass(frozen=True)
class EditPreview:
    order: Order
    change: EditChange
    totals: Totals
    lines: list[PreviewLine]
    old_total: Decimal
    new_total: Decimal
    settlement: str
    amount: Decimal  # to charge or to refund (0 for NONE / UNPAID)
    amount_due: Decimal  # what the shopper will owe in all once the edit is applied
    # A refund larger than what was paid through gateways (gift cards and store credit paid
    # the rest) cannot be made: applying the edit is refused (`REFUND_TOO_LARGE`).
    refund_possible: bool = True

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total


@dataclass
class _Draft:
    """The order's lines and discounts while an edit changes them."""

    lines: list[OrderLine]
    discounts: list[OrderDiscount]
    removed_lines: list[OrderLine] = field(default_factory=list)
    removed_discounts: list[OrderDiscount] = field(default_factory=list)


def order_edit_refusal(order: Order) -> OrderError | None:
    """Why `order` cannot be edited at all; None if it can. Reads the payments through
    `order.payments.all()`, so an order from `order_detail` (payments prefetched) costs no
    query. The edit asks again under the order's lock."""
    if order.status not in EDITABLE_STATUSES:
        return OrderNotEditable(
            _("Order #%(number)s is %(status)s and can no longer be edited.")
            % {"number": order.number, "status": OrderStatus(order.status).label},
            params={"number": order.number, "status": order.status},
        )
    if order.status == OrderStatus.PENDING and any(
        payment.status in IN_FLIGHT and payment.gateway and not gateway_is_manual(payment.gateway)
        for payment in order.payments.all()
    ):
        return OrderNotEditable(
            _("A payment for order #%(number)s is under way; wait for it or cancel the order.")
            % {"number": order.number},
            params={"number": order.number, "reason": "payment_under_way"},
        )
    return None


def _check_editable(order: Order) -> None:
    refusal = order_edit_refusal(order)
    if refusal is not None:
        raise refusal


def _settlement_of(order: Order) -> tuple[str, Decimal]:
    """What settling `order` (priced after the edit, not settled yet) does with the money: the
    `Settlement` and the amount charged or refunded."""
    if order.status not in PAID_STATUSES:
        return Settlement.UNPAID, ZERO
    balance = order.balance_due
    if balance > 0:
        return Settlement.CHARGE, balance
    if balance < 0:
        return Settlement.REFUND, -balance
    return Settlement.NONE, ZERO


def _settle(*, order: Order, actor: User | None) -> tuple[Payment | None, str, list[Refund]]:
    """Charge or refund what the edit changed (see the module docstring)."""
    if order.status == OrderStatus.PENDING:
        # Not paid yet: a manual payment under way now expects the new amount.
        for payment in order.payments.filter(status__in=IN_FLIGHT):
            if order.balance_due > 0:
                payment.amount = order.balance_due
                payment.save(update_fields=["amount", "updated_at"])
        return None, "", []
    if order.status not in PAID_STATUSES:
        return None, "", []
    # A balance payment of an earlier edit no longer has the right amount.
    payments_in_flight_cancel(order=order, actor=actor)
    settlement, amount = _settlement_of(order)
    if settlement == Settlement.CHARGE:
        attempt = next_attempt(order)
        payment = Payment.objects.create(
            order=order,
            attempt=attempt,
            gateway="",
            idempotency_key=payment_key(order=order, attempt=attempt),
            amount=amount,
            currency=order.currency,
            status=P.PENDING,
        )
        order_event_add(
            order=order,
            kind=OrderEventKind.BALANCE_DUE,
            params={"amount": str(amount), "currency": order.currency},
            actor=actor,
        )
        return payment, order_payment_link(order=order), []
    refunds: list[Refund] = []
    if settlement == Settlement.REFUND:
        refunds = order_refund(
            order=order, amount=amount, reason=_("Order edited."), actor=actor, keeps_total=False
        )
    order_money_status_sync(order=order, actor=actor)
    return None, "", refunds


# ------------------------------------------------------------------------------
# the change and the pricing (the same for the preview and the edit)
# ------------------------------------------------------------------------------
def _line_of(draft: _Draft, line_id: int | None) -> OrderLine:
    for line in draft.lines:
        if line.pk == line_id:
            return line
    raise OrderError(
        _("That line is not on this order."),
        code=OrderErrorCode.LINE_UNKNOWN,
        field="line",
        params={"line": line_id},
    )


def _collections_for(draft: _Draft, product_id: int) -> list[int]:
    wanted = {int(cid) for d in draft.discounts for cid in (d.rule or {}).get("collection_ids") or ()}
    members = collection_members(collection_ids=wanted, product_ids={product_id})
    return sorted(members.get(product_id, frozenset()))


def _variant(variant_id: int | None) -> ProductVariant:
    variant = (
        ProductVariant.objects.select_related("product").filter(pk=variant_id).first() if variant_id else None
    )
    if variant is None:
        raise OrderError(
            _("That product variant does not exist (any more)."),
            code=OrderErrorCode.VARIANT_UNKNOWN,
            field="variant",
            params={"variant": variant_id},
        )
    return variant


def _change_make(order: Order, draft: _Draft, change: EditChange) -> dict[str, Any]:
    """Make `change` in memory on `order` (its shipping) and `draft` (lines, discounts); returns
    what the timeline's `edited` entry records. Raises the `OrderError` the input deserves."""
    if change.action == EditAction.ADD_LINE:
        quantity = quantity_check(change.quantity)
        for line in draft.lines:
            if line.variant_id is not None and line.variant_id == change.variant_id:
                line.quantity = quantity_check(line.quantity + quantity)
                if change.unit_price is not None:
                    line.unit_price = amount_check(
                        change.unit_price, currency=order.currency, field="unit_price"
                    )
                return {"action": "line_added", "sku": line.sku, "quantity": quantity}
        variant = _variant(change.variant_id)
        line = line_for_variant(order=order, variant=variant, quantity=quantity, unit_price=change.unit_price)
        line.collection_ids = _collections_for(draft, variant.product_id)
        draft.lines.append(line)
        return {"action": "line_added", "sku": line.sku, "quantity": quantity}
    if change.action == EditAction.SET_QUANTITY:
        quantity = quantity_check(change.quantity)
        line = _line_of(draft, change.line_id)
        old = line.quantity
        line.quantity = quantity
        return {"action": "quantity_changed", "sku": line.sku, "from": old, "to": quantity}
    if change.action == EditAction.REMOVE_LINE:
        line = _line_of(draft, change.line_id)
        draft.lines.remove(line)
        draft.removed_lines.append(line)
        return {"action": "line_removed", "sku": line.sku, "quantity": line.quantity}
    if change.action == EditAction.DISCOUNT:
        for existing in [d for d in draft.discounts if d.is_manual]:
            draft.discounts.remove(existing)
            draft.removed_discounts.append(existing)
        if change.discount is None:
            return {"action": "discount_removed"}
        row = manual_discount_row(order=order, discount=change.discount)
        draft.discounts.append(row)
        return {"action": "discount_set", "kind": row.kind, "value": str(row.value)}
    if change.action == EditAction.SHIPPING:
        old_price = order.shipping_price
        order.shipping_price = amount_check(change.shipping_amount, currency=order.currency, field="amount")
        order.shipping_method_name = (
            str(change.shipping_name or "").strip()[:200] or order.shipping_method_name
        )
        order.shipping_rate_id = None
        return {"action": "shipping_changed", "from": str(old_price), "to": str(order.shipping_price)}
    raise OrderError(_("Choose what to change."), code=OrderErrorCode.ORDER_ERROR, field="action")


def _price(order: Order, draft: _Draft) -> Totals:
    """Price `order` with the draft's lines and discounts, and set the amounts on all of them
    (in memory)."""
    if not draft.lines:
        raise OrderError(
            _("An order needs at least one line; cancel the order instead."),
            code=OrderErrorCode.QUANTITY_INVALID,
            field="quantity",
        )
    totals = order_calculate(order=order, lines=draft.lines, discounts=draft.discounts)
    totals_apply(order=order, lines=draft.lines, discounts=draft.discounts, totals=totals)
    return totals


# ------------------------------------------------------------------------------
# preview and apply
# ------------------------------------------------------------------------------
def _title(line: OrderLine) -> str:
    return line.product_title + (f" – {line.variant_title}" if line.variant_title else "")


def order_edit_preview(*, order: Order, change: EditChange) -> EditPreview:
    """What `change` would make of `order`: its lines, its totals, and what would be charged
    or refunded, worked out by the change and pricing the edit itself runs (see the module
    docstring). Raises the `OrderError` applying it would raise for the same input (but for a
    refund the gateway refuses). Writes nothing; reads the order's lines, discounts and
    payments through `.all()` (no query for an order from `order_detail`) and at most an added
    variant and its collections."""
    _check_editable(order)
    draft_order = copy.copy(order)
    originals = list(order.lines.all())
    draft = _Draft(
        lines=[copy.copy(line) for line in originals],
        discounts=[copy.copy(discount) for discount in order.discounts.all()],
    )
    _change_make(draft_order, draft, change)
    totals = _price(draft_order, draft)
    before = {line.pk: line.quantity for line in originals}
    kept = {line.pk for line in draft.lines if line.pk}
    lines = [
        PreviewLine(
            title=_title(line),
            sku=line.sku,
            quantity=line.quantity,
            old_quantity=before.get(line.pk, 0) if line.pk else 0,
            unit_price=line.unit_price,
            total=line.total,
        )
        for line in draft.lines
    ] + [
        PreviewLine(
            title=_title(line),
            sku=line.sku,
            quantity=0,
            old_quantity=line.quantity,
            unit_price=line.unit_price,
            total=ZERO,
            removed=True,
        )
        for line in originals
        if line.pk not in kept
    ]
    settlement, amount = _settlement_of(draft_order)
    return EditPreview(
        order=order,
        change=change,
        totals=totals,
        lines=lines,
        old_total=order.total,
        new_total=draft_order.total,
        settlement=settlement,
        amount=amount,
        amount_due=max(draft_order.balance_due, ZERO),
        refund_possible=settlement != Settlement.REFUND or amount <= order.net_paid,
    )


def order_edit_apply(*, order: Order, change: EditChange, actor: User | None) -> EditResult:
    """Make `change` to `order`, in one transaction under its lock (see the module docstring)."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        _check_editable(locked)
        draft = _Draft(
            lines=list(locked.lines.select_related("variant").order_by("position", "id")),
            discounts=list(locked.discounts.order_by("id")),
        )
        before = lines_quantities(draft.lines)
        old_total = locked.total
        what = _change_make(locked, draft, change)
        _price(locked, draft)
        for line in draft.removed_lines:
            line.delete()
        for discount in draft.removed_discounts:
            discount.delete()
        for line in draft.lines:
            line.order = locked
            line.save()
        for discount in draft.discounts:
            discount.order = locked
            discount.save()
        locked.save()
        stock_follow(order=locked, before=before, after=lines_quantities(draft.lines), actor=actor)
        if locked.customer is not None and locked.customer_counted and old_total != locked.total:
            # The customer's total spent follows the order (count unchanged: -1 then +1).
            customer_order_reverted(customer=locked.customer, total=old_total)
            customer_order_recorded(
                customer=locked.customer, total=locked.total, placed_at=locked.placed_at or timezone.now()
            )
        order_event_add(
            order=locked,
            kind=OrderEventKind.EDITED,
            params={
                **what,
                "old_total": str(old_total),
                "new_total": str(locked.total),
                "currency": locked.currency,
            },
            actor=actor,
        )
        locked.save()
        payment, link, refunds = _settle(order=locked, actor=actor)
        locked.save()
    return EditResult(order=locked, balance_payment=payment, payment_link=link, refunds=refunds)


def order_edit_line_add(
    *,
    order: Order,
    variant: ProductVariant,
    quantity: int,
    actor: User | None,
    unit_price: Decimal | None = None,
) -> EditResult:
    """Add `quantity` of `variant` (to its line when the order has one) at its price now, or at
    `unit_price` staff give."""
    quantity_check(quantity)
    change = EditChange(
        action=EditAction.ADD_LINE, variant_id=variant.pk, quantity=quantity, unit_price=unit_price
    )
    return order_edit_apply(order=order, change=change, actor=actor)


def order_edit_line_set_quantity(
    *, order: Order, line_id: int, quantity: int, actor: User | None
) -> EditResult:
    """Change a line's quantity (from 1; remove a line with `order_edit_line_remove`)."""
    quantity_check(quantity)
    change = EditChange(action=EditAction.SET_QUANTITY, line_id=line_id, quantity=quantity)
    return order_edit_apply(order=order, change=change, actor=actor)


def order_edit_line_remove(*, order: Order, line_id: int, actor: User | None) -> EditResult:
    change = EditChange(action=EditAction.REMOVE_LINE, line_id=line_id)
    return order_edit_apply(order=order, change=change, actor=actor)


def order_edit_discount(*, order: Order, discount: ManualDiscount | None, actor: User | None) -> EditResult:
    """Give the order a discount of staff's own (replacing an earlier one), or take it away
    with None. Discounts from the checkout stay as they were."""
    change = EditChange(action=EditAction.DISCOUNT, discount=discount)
    return order_edit_apply(order=order, change=change, actor=actor)


def order_edit_shipping(
    *, order: Order, name: str, amount: Decimal | int | str, actor: User | None
) -> EditResult:
    """Change the shipping method's name and price (as prices are entered); free-shipping
    discounts of the order still waive it."""
    change = EditChange(action=EditAction.SHIPPING, shipping_name=name, shipping_amount=amount)
    return order_edit_apply(order=order, change=change, actor=actor)


__all__ = [
    "EditAction",
    "EditChange",
    "EditPreview",
    "EditResult",
    "ManualDiscount",
    "PreviewLine",
    "Settlement",
    "order_edit_apply",
    "order_edit_discount",
    "order_edit_line_add",
    "order_edit_line_remove",
    "order_edit_line_set_quantity",
    "order_edit_preview",
    "order_edit_refusal",
    "order_edit_shipping",
]
