"""Editing an order before it ships: lines, quantities, discounts, shipping; stock follows and
the difference is charged (payment link) or refunded (through the gateway)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.models import Customer
from apps.inventory.models import StockLevel
from apps.orders.drafts import ManualDiscount, draft_order_for_token, draft_order_pay
from apps.orders.edits import (
    EditAction,
    EditChange,
    Settlement,
    order_edit_apply,
    order_edit_discount,
    order_edit_line_add,
    order_edit_line_remove,
    order_edit_line_set_quantity,
    order_edit_preview,
    order_edit_shipping,
)
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order
from apps.orders.services import order_cancel
from apps.orders.tests.factories import (
    CARD_REQUIRES_AUTHENTICATION,
    CARD_SUCCEEDS,
    checkout_ready,
    draft_make,
    order_row,
    place,
    tax_make,
    variant_make,
)
from apps.payments.models import DummyRefund

pytestmark = pytest.mark.django_db


def _stock(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant)
    return level.on_hand, level.reserved


def _paid_order(quantity: int = 2, price: str = "20.00", stock: int = 10):
    variant = variant_make(price=price, stock=stock)
    order = place(checkout_ready(items=[(variant, quantity)])).order
    order.refresh_from_db()
    return order, variant


def test_adding_a_line_to_a_paid_order_takes_stock_and_asks_for_the_difference(in_alpha):
    # given a paid order of 2 x 20.00 + 5.00 shipping
    order, _variant = _paid_order()
    extra = variant_make(price="15.00", stock=4)
    # when staff add 2 of another product
    result = order_edit_line_add(order=order, variant=extra, quantity=2, actor=None)
    order.refresh_from_db()
    # then the order costs 30.00 more, the units left stock, and a payment link asks for it
    assert order.total == Decimal("75.00") and order.balance_due == Decimal("30.00")
    assert order.status == OrderStatus.PAID
    assert _stock(extra) == (2, 0)
    assert result.balance_payment is not None and result.balance_payment.amount == Decimal("30.00")
    assert result.balance_payment.status == "pending" and result.balance_payment.gateway == ""
    assert "/pay/" in result.payment_link and result.payment_link.startswith("http://alpha.platform.test")
    kinds = list(order.events.values_list("kind", flat=True))
    assert OrderEventKind.EDITED in kinds and OrderEventKind.BALANCE_DUE in kinds
    edited = order.events.get(kind=OrderEventKind.EDITED)
    assert edited.params["action"] == "line_added" and edited.params["new_total"] == "75.00"
    # when the shopper pays through the link
    token = result.payment_link.rstrip("/").rsplit("/", 1)[1]
    assert draft_order_for_token(token=token) == order
    paid = draft_order_pay(
        token=token, gateway_code="dummy", payment_data={"card_number": CARD_SUCCEEDS}, return_url=""
    )
    order.refresh_from_db()
    # then the balance payment (same attempt) succeeded and nothing is owed
    assert paid.payment is not None and paid.payment.pk == result.balance_payment.pk
    assert order.amount_paid == Decimal("75.00") and order.balance_due == 0
    assert order.status == OrderStatus.PAID


def test_lowering_a_quantity_refunds_the_difference_and_puts_units_back(in_alpha):
    order, variant = _paid_order(quantity=3)
    assert _stock(variant) == (7, 0)
    result = order_edit_line_set_quantity(order=order, line_id=order.lines.get().pk, quantity=1, actor=None)
    order.refresh_from_db()
    # 3 x 20 + 5 = 65 -> 1 x 20 + 5 = 25: 40 refunded through the gateway
    assert order.total == Decimal("25.00")
    assert [r.amount for r in result.refunds] == [Decimal("40.00")]
    assert order.amount_refunded == Decimal("40.00") and order.balance_due == 0
    assert DummyRefund.objects.get(idempotency_key=f"order:{order.uuid}:refund:1").amount == Decimal("40.00")
    assert _stock(variant) == (9, 0)
    # the refund only settles the edit: the order is still simply paid
    assert order.status == OrderStatus.PAID
    # and the customer's total spent follows the order
    assert Customer.objects.get(pk=order.customer_id).total_spent == Decimal("25.00")


def test_removing_a_line_refunds_it(in_alpha):
    order, _variant = _paid_order(quantity=1)
    other = variant_make(price="10.00", stock=5)
    order_edit_line_add(order=order, variant=other, quantity=1, actor=None)
    # the 10.00 was not paid yet; removing the line again cancels that balance
    order.refresh_from_db()
    line = order.lines.get(variant=other)
    result = order_edit_line_remove(order=order, line_id=line.pk, actor=None)
    order.refresh_from_db()
    assert result.refunds == [] and result.balance_payment is None
    assert order.total == Decimal("25.00") and order.balance_due == 0
    assert order.payments.filter(gateway="").get().status == "cancelled"
    assert _stock(other) == (5, 0)


def test_a_staff_discount_is_refunded_and_taken_back_is_charged(in_alpha):
    order, _variant = _paid_order(quantity=2)  # 45.00
    result = order_edit_discount(
        order=order, discount=ManualDiscount(kind="percentage", value=Decimal(50), name="Apology"), actor=None
    )
    order.refresh_from_db()
    assert order.discount_total == Decimal("20.00") and order.total == Decimal("25.00")
    assert sum(r.amount for r in result.refunds) == Decimal("20.00")
    manual = order.discounts.get(is_manual=True)
    assert (manual.name, manual.amount) == ("Apology", Decimal("20.00"))
    # taking it back asks for the 20.00 again
    back = order_edit_discount(order=order, discount=None, actor=None)
    order.refresh_from_db()
    assert order.total == Decimal("45.00") and back.balance_payment is not None
    assert back.balance_payment.amount == Decimal("20.00")
    assert not order.discounts.filter(is_manual=True).exists()


def test_changing_shipping_with_tax_prices_it_again(in_alpha):
    tax_make(rate="0.19")
    order, _variant = _paid_order(quantity=1)  # 20 + 5, 19 % added: 29.75
    assert order.total == Decimal("29.75") and order.tax_rate == Decimal("0.19")
    order_edit_shipping(order=order, name="Express", amount="10.00", actor=None)
    order.refresh_from_db()
    assert order.shipping_method_name == "Express"
    assert order.shipping_total == Decimal("11.90") and order.total == Decimal("35.70")
    assert order.balance_due == Decimal("5.95")


def test_an_edit_whose_refund_is_refused_changes_nothing(in_alpha, monkeypatch):
    from apps.payments.gateways.base import RefundResult
    from apps.payments.gateways.dummy import DummyGateway

    order, variant = _paid_order(quantity=2)
    monkeypatch.setattr(
        DummyGateway,
        "refund",
        lambda self, **kwargs: RefundResult(status="failed", external_id="", error_message="Bank says no"),
    )
    with pytest.raises(OrderError) as refused:
        order_edit_line_set_quantity(order=order, line_id=order.lines.get().pk, quantity=1, actor=None)
    assert refused.value.code == OrderErrorCode.REFUND_FAILED
    order.refresh_from_db()
    assert order.total == Decimal("45.00") and order.lines.get().quantity == 2
    assert order.amount_refunded == 0 and _stock(variant) == (8, 0)


def test_adding_more_than_is_in_stock_is_refused(in_alpha):
    order, _variant = _paid_order()
    scarce = variant_make(stock=1)
    with pytest.raises(OrderError) as refused:
        order_edit_line_add(order=order, variant=scarce, quantity=2, actor=None)
    assert refused.value.code == OrderErrorCode.SOLD_OUT
    assert order.lines.count() == 1


def test_editing_a_draft_changes_only_the_price(in_alpha):
    draft = draft_make(price="30.00", quantity=2)
    line = draft.lines.get()
    order_edit_line_set_quantity(order=draft, line_id=line.pk, quantity=3, actor=None)
    draft.refresh_from_db()
    assert draft.subtotal == Decimal("90.00") and draft.status == OrderStatus.PENDING
    assert not draft.payments.exists()
    assert StockLevel.objects.get(variant=line.variant).reserved == 0


def test_an_order_holding_stock_holds_the_new_quantity(in_alpha, alpha):
    from apps.orders.tests.factories import manual_payments_enable

    manual_payments_enable()
    variant = variant_make(stock=5)
    order = place(checkout_ready(items=[(variant, 1)]), gateway="bank_transfer").order
    assert _stock(variant) == (5, 1)
    order_edit_line_set_quantity(order=order, line_id=order.lines.get().pk, quantity=3, actor=None)
    order.refresh_from_db()
    assert _stock(variant) == (5, 3)
    # the bank transfer now expects the new total
    assert order.payments.get().amount == order.total == Decimal("65.00")


@pytest.mark.parametrize("status", ["fulfilled", "cancelled", "refunded", "delivered"])
def test_orders_that_shipped_or_ended_cannot_be_edited(in_alpha, status):
    order = order_row(status=status)
    with pytest.raises(OrderError) as refused:
        order_edit_shipping(order=order, name="x", amount="1.00", actor=None)
    assert refused.value.code == OrderErrorCode.NOT_EDITABLE


def test_an_order_whose_card_payment_is_under_way_cannot_be_edited(in_alpha):
    variant = variant_make()
    order = place(checkout_ready(items=[(variant, 1)]), card=CARD_REQUIRES_AUTHENTICATION).order
    with pytest.raises(OrderError) as refused:
        order_edit_line_set_quantity(order=order, line_id=order.lines.get().pk, quantity=2, actor=None)
    assert refused.value.code == OrderErrorCode.NOT_EDITABLE
    assert refused.value.params["reason"] == "payment_under_way"


def test_the_last_line_cannot_be_removed(in_alpha):
    order, _variant = _paid_order()
    with pytest.raises(OrderError) as refused:
        order_edit_line_remove(order=order, line_id=order.lines.get().pk, actor=None)
    assert refused.value.code == OrderErrorCode.QUANTITY_INVALID


def test_a_line_of_another_order_is_unknown(in_alpha):
    order, _variant = _paid_order()
    other, _ = _paid_order()
    with pytest.raises(OrderError) as refused:
        order_edit_line_set_quantity(order=order, line_id=other.lines.get().pk, quantity=1, actor=None)
    assert refused.value.code == OrderErrorCode.LINE_UNKNOWN


def test_a_refunded_edit_then_cancel_refunds_the_rest_once(in_alpha):
    order, variant = _paid_order(quantity=2)  # 45.00
    order_edit_line_set_quantity(order=order, line_id=order.lines.get().pk, quantity=1, actor=None)
    order.refresh_from_db()
    order_cancel(order=order, actor=None)
    order.refresh_from_db()
    assert order.amount_refunded == order.amount_paid == Decimal("45.00")
    assert [r.amount for r in order.refunds.order_by("id")] == [Decimal("20.00"), Decimal("25.00")]
    assert _stock(variant) == (10, 0)
    assert isinstance(order, Order)


# ------------------------------------------------------------------------------
# the preview runs what the edit runs
# ------------------------------------------------------------------------------
def _taxed_order_with_a_code():
    """A paid order, prices excluding 19 % VAT, a 10 % code: 2 x 20.00 + 1 x 15.00, 5.00
    shipping."""
    from apps.checkout.models import Discount

    tax_make(rate="0.19")
    Discount.objects.create(code="TENOFF", name="10 % off", kind="percentage", value=Decimal(10))
    shirt, cap = variant_make(price="20.00", stock=10), variant_make(price="15.00", stock=10)
    order = place(checkout_ready(items=[(shirt, 2), (cap, 1)], codes=["TENOFF"])).order
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.tax_total > 0 and order.discount_total > 0
    return order


def _change(kind: str, order: Order) -> EditChange:
    first, second = list(order.lines.order_by("position"))
    if kind == "add_line":
        return EditChange(action=EditAction.ADD_LINE, variant_id=variant_make(price="12.50").pk, quantity=3)
    if kind == "quantity":
        return EditChange(action=EditAction.SET_QUANTITY, line_id=first.pk, quantity=1)
    if kind == "remove":
        return EditChange(action=EditAction.REMOVE_LINE, line_id=second.pk)
    if kind == "discount":
        return EditChange(
            action=EditAction.DISCOUNT, discount=ManualDiscount(kind="fixed", value=Decimal("7.00"))
        )
    return EditChange(action=EditAction.SHIPPING, shipping_name="Express", shipping_amount=Decimal("12.50"))


@pytest.mark.parametrize(
    ("kind", "settlement"),
    [
        ("add_line", Settlement.CHARGE),
        ("quantity", Settlement.REFUND),
        ("remove", Settlement.REFUND),
        ("discount", Settlement.REFUND),
        ("shipping", Settlement.CHARGE),
    ],
)
def test_the_preview_shows_what_the_edit_then_does(in_alpha, kind, settlement):
    from apps.orders.selectors import order_detail

    order = _taxed_order_with_a_code()
    change = _change(kind, order)
    # when staff preview the change
    shown = order_detail(order_id=order.pk)
    assert shown is not None
    preview = order_edit_preview(order=shown, change=change)
    # nothing was written
    order.refresh_from_db()
    assert order.total == preview.old_total and order.events.filter(kind=OrderEventKind.EDITED).count() == 0
    # then applying it makes exactly what the preview showed
    result = order_edit_apply(order=order, change=change, actor=None)
    after = Order.objects.get(pk=order.pk)
    assert preview.new_total == after.total != preview.old_total
    assert (
        preview.totals.subtotal,
        preview.totals.discount_total,
        preview.totals.shipping_total,
        preview.totals.tax_total,
    ) == (after.subtotal, after.discount_total, after.shipping_total, after.tax_total)
    kept = [line for line in preview.lines if not line.removed]
    assert [(line.sku, line.quantity, line.unit_price, line.total) for line in kept] == [
        (line.sku, line.quantity, line.unit_price, line.total) for line in after.lines.order_by("position")
    ]
    assert preview.settlement == settlement and preview.amount > 0
    if settlement == Settlement.CHARGE:
        assert result.balance_payment is not None and result.balance_payment.amount == preview.amount
        assert preview.amount_due == after.balance_due == preview.amount
        assert not result.refunds
    else:
        assert result.balance_payment is None and preview.refund_possible
        assert sum(refund.amount for refund in result.refunds) == preview.amount
        assert after.amount_refunded == preview.amount and preview.amount_due == 0


def test_the_preview_of_an_unpaid_order_shows_the_new_amount_to_pay(in_alpha):
    from apps.orders.tests.factories import manual_payments_enable

    manual_payments_enable()
    variant = variant_make(price="20.00", stock=5)
    order = place(checkout_ready(items=[(variant, 2)]), gateway="bank_transfer").order
    line = order.lines.get()
    change = EditChange(action=EditAction.SET_QUANTITY, line_id=line.pk, quantity=3)
    preview = order_edit_preview(order=order, change=change)
    order_edit_apply(order=order, change=change, actor=None)
    order.refresh_from_db()
    assert (preview.settlement, preview.amount) == (Settlement.UNPAID, 0)
    assert preview.amount_due == order.balance_due == Decimal("65.00")
    assert order.payments.get().amount == Decimal("65.00")


def test_the_preview_refuses_what_the_edit_refuses(in_alpha):
    order, _variant = _paid_order(quantity=1)
    line = order.lines.get()
    for change, code in (
        (EditChange(action=EditAction.REMOVE_LINE, line_id=line.pk), OrderErrorCode.QUANTITY_INVALID),
        (
            EditChange(action=EditAction.SET_QUANTITY, line_id=line.pk + 999, quantity=1),
            OrderErrorCode.LINE_UNKNOWN,
        ),
        (
            EditChange(action=EditAction.ADD_LINE, variant_id=10**9, quantity=1),
            OrderErrorCode.VARIANT_UNKNOWN,
        ),
    ):
        with pytest.raises(OrderError) as previewed:
            order_edit_preview(order=order, change=change)
        with pytest.raises(OrderError) as applied:
            order_edit_apply(order=order, change=change, actor=None)
        assert previewed.value.code == applied.value.code == code
