"""Pricing an order again (drafts, edits) with the checkout's own totals module.

An order keeps what it was priced with: the lines' catalog prices, product and collection ids,
the discount rules as they applied, the shipping price and the tax rate. `order_calculate`
feeds those to `apps.checkout.pricing.calculate`, so an edited order is priced by exactly the
rules its checkout used. Gift cards and store credit are not passed: what they paid at
placement stays paid, and the difference is settled through the order's payments.

No writes here: `totals_apply` only sets the amounts on the given (unsaved) rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.checkout.pricing import (
    AppliedDiscount,
    DiscountInput,
    LineInput,
    ShippingInput,
    TaxInput,
    Totals,
    calculate,
)
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, OrderDiscount, OrderLine

# The id a staff discount (no Discount row) goes by in `calculate`.
MANUAL_DISCOUNT_ID = -1


def discount_rule(discount: DiscountInput) -> dict[str, Any]:
    """What of a discount rule an `OrderDiscount` keeps to apply it again."""
    return {
        "min_subtotal": None if discount.min_subtotal is None else str(discount.min_subtotal),
        "product_ids": None if discount.product_ids is None else sorted(discount.product_ids),
        "collection_ids": None if discount.collection_ids is None else sorted(discount.collection_ids),
        "buy_quantity": discount.buy_quantity,
        "get_quantity": discount.get_quantity,
        "get_percent": str(discount.get_percent),
        "combines": discount.combines,
    }


def discount_input(discount: OrderDiscount) -> DiscountInput:
    rule = discount.rule or {}
    ids = rule.get("product_ids")
    collections = rule.get("collection_ids")
    minimum = rule.get("min_subtotal")
    return DiscountInput(
        id=MANUAL_DISCOUNT_ID if discount.discount_id_snapshot is None else discount.discount_id_snapshot,
        code=discount.code,
        name=discount.name,
        kind=discount.kind,
        value=discount.value,
        min_subtotal=None if minimum is None else Decimal(minimum),
        product_ids=None if ids is None else frozenset(int(i) for i in ids),
        collection_ids=None if collections is None else frozenset(int(i) for i in collections),
        buy_quantity=int(rule.get("buy_quantity", 0)),
        get_quantity=int(rule.get("get_quantity", 0)),
        get_percent=Decimal(rule.get("get_percent", "100")),
        combines=bool(rule.get("combines", discount.is_manual)),
    )


def line_input(line: OrderLine, key: str) -> LineInput:
    return LineInput(
        key=key,
        variant_id=line.variant_id or 0,
        product_id=line.product_id_snapshot or 0,
        unit_price=line.unit_price,
        quantity=line.quantity,
        weight_grams=line.weight_grams,
        collection_ids=frozenset(line.collection_ids or ()),
    )


def order_calculate(
    *, order: Order, lines: Sequence[OrderLine], discounts: Sequence[OrderDiscount]
) -> Totals:
    """The order's totals for these lines and discounts, with its own tax and shipping."""
    tax = (
        TaxInput(rate=order.tax_rate, name=order.tax_name, applies_to_shipping=order.tax_applies_to_shipping)
        if order.tax_rate is not None
        else None
    )
    shipping = (
        ShippingInput(
            amount=order.shipping_price,
            name=order.shipping_method_name,
            rate_id=order.shipping_rate_id,
            taxable=order.shipping_taxable,
        )
        if order.shipping_method_name or order.shipping_price
        else None
    )
    return calculate(
        currency=order.currency,
        lines=[line_input(line, str(index)) for index, line in enumerate(lines)],
        prices_include_tax=order.prices_include_tax,
        tax=tax,
        shipping=shipping,
        discounts=[discount_input(discount) for discount in discounts],
    )


def totals_apply(
    *, order: Order, lines: Sequence[OrderLine], discounts: Sequence[OrderDiscount], totals: Totals
) -> None:
    """Copy `totals` onto the order, its lines (by position) and its discounts (by id); a
    discount that no longer applies gets 0. Raises `OrderError` (field "lines") when an amount
    is too large to be stored, having changed nothing."""
    if not totals.fits_columns:
        raise OrderError(
            _("This order would come to more than one order can hold; lower a quantity or a price."),
            code=OrderErrorCode.AMOUNT_INVALID,
            field="lines",
        )
    for index, (line, line_totals) in enumerate(zip(lines, totals.lines, strict=True)):
        line.position = index
        line.unit_price = line_totals.unit_price
        line.subtotal = line_totals.subtotal
        line.discount = line_totals.discount
        line.tax = line_totals.tax
        line.total = line_totals.total
    applied: dict[int, AppliedDiscount] = {d.id: d for d in totals.discounts}
    for discount in discounts:
        key = MANUAL_DISCOUNT_ID if discount.discount_id_snapshot is None else discount.discount_id_snapshot
        found = applied.get(key)
        discount.amount = found.amount if found is not None else Decimal(0)
    order.subtotal = totals.subtotal
    order.discount_total = totals.discount_total
    order.shipping_total = totals.shipping_total
    order.tax_total = totals.tax_total
    order.total = totals.total
