"""Notes, cancelling, and the job that cancels orders not paid in time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.checkout.models import Discount
from apps.core.jobs import store_job_get
from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.inventory.models import StockLevel
from apps.orders.enums import OrderEventKind, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order, OrderNote
from apps.orders.services import order_cancel, order_note_add, orders_expire_unpaid
from apps.orders.tests.factories import (
    CARD_DECLINED,
    CARD_REQUIRES_AUTHENTICATION,
    checkout_ready,
    draft_make,
    order_row,
    place,
    variant_make,
)
from apps.orders.transitions import _order_transition
from apps.payments.models import DummyPayment, DummyRefund
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _stock(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant)
    return level.on_hand, level.reserved


# ------------------------------------------------------------------------------
# notes
# ------------------------------------------------------------------------------
def test_note_is_kept_apart_and_the_timeline_says_one_was_added(in_alpha, alpha):
    staff = make_store_user(alpha, "staff-notes@example.com", staff=True)
    order = order_row()
    note = order_note_add(order=order, author=staff, body="  Customer called: leave at the door.\r\n")
    assert OrderNote.objects.get(pk=note.pk).body == "Customer called: leave at the door."
    event = order.events.get(kind=OrderEventKind.NOTE_ADDED)
    assert event.actor_id == staff.pk


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_an_empty_or_too_long_note_is_refused(in_alpha, body):
    order = order_row()
    with pytest.raises(OrderError) as refused:
        order_note_add(order=order, author=None, body=body)
    assert refused.value.code == OrderErrorCode.NOTE_INVALID and refused.value.field == "body"
    assert not OrderNote.objects.exists()


# ------------------------------------------------------------------------------
# cancelling
# ------------------------------------------------------------------------------
def test_cancelling_an_order_waiting_for_payment_releases_everything(in_alpha):
    variant = variant_make(stock=3)
    discount = Discount.objects.create(code="FIVE", name="5 off", kind="fixed", value=Decimal(5))
    placement = place(checkout_ready(items=[(variant, 2)], codes=["FIVE"]), card=CARD_REQUIRES_AUTHENTICATION)
    assert Discount.objects.get(pk=discount.pk).times_used == 1 and _stock(variant) == (3, 2)
    # when staff cancel it
    order = order_cancel(order=placement.order, actor=None, reason="Out of season")
    # then the payment is cancelled at the gateway, stock and the code's use are back
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "Out of season"
    assert DummyPayment.objects.get(reference=str(order.uuid)).status == "cancelled"
    assert order.payments.get().status == "cancelled"
    assert _stock(variant) == (3, 0)
    assert Discount.objects.get(pk=discount.pk).times_used == 0
    assert EventRecord.objects.filter(name="order.cancelled", payload__order=str(order.uuid)).count() == 1
    customer = Customer.objects.get(email="shopper@example.com")
    assert customer.orders_count == 0 and not Order.objects.get(pk=order.pk).customer_counted


def test_cancelling_a_paid_order_refunds_it_and_puts_the_stock_back(in_alpha):
    variant = variant_make(price="20.00", stock=3)
    order = place(checkout_ready(items=[(variant, 2)])).order
    assert _stock(variant) == (1, 0)
    order = order_cancel(order=order, actor=None, reason="Customer asked")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.amount_refunded == order.amount_paid == Decimal("45.00")
    refund = order.refunds.get()
    assert (refund.status, refund.amount, refund.idempotency_key) == (
        "succeeded",
        Decimal("45.00"),
        f"order:{order.uuid}:refund:1",
    )
    assert DummyRefund.objects.get(idempotency_key=refund.idempotency_key).amount == Decimal("45.00")
    assert _stock(variant) == (3, 0) and order.stock_status == OrderStockStatus.RESTOCKED


def test_cancelling_without_restock_leaves_the_stock_sold(in_alpha):
    variant = variant_make(stock=3)
    order = place(checkout_ready(items=[(variant, 1)])).order
    order_cancel(order=order, actor=None, restock=False)
    assert _stock(variant) == (2, 0)


@pytest.mark.parametrize("status", ["fulfilled", "delivered", "partially_fulfilled", "cancelled", "refunded"])
def test_an_order_that_shipped_or_ended_cannot_be_cancelled(in_alpha, status):
    order = order_row(status=status)
    with pytest.raises(OrderError) as refused:
        order_cancel(order=order, actor=None)
    assert refused.value.code == OrderErrorCode.NOT_CANCELLABLE
    assert Order.objects.get(pk=order.pk).status == status


# ------------------------------------------------------------------------------
# expiry job
# ------------------------------------------------------------------------------
def _expire(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))


def test_the_job_is_registered_per_store():
    job = store_job_get("orders.expire_unpaid")
    assert job.func is orders_expire_unpaid and job.every == 60


def test_an_order_not_paid_in_time_is_cancelled_and_its_stock_released(in_alpha):
    variant = variant_make(stock=2)
    placement = place(checkout_ready(items=[(variant, 2)]), card=CARD_REQUIRES_AUTHENTICATION)
    other = place(
        checkout_ready(items=[(variant_make(stock=1), 1)], email="b@example.com"),
        card=CARD_REQUIRES_AUTHENTICATION,
    )
    _expire(placement.order)
    # when the job runs
    summary = orders_expire_unpaid()
    # then only the expired order is cancelled, with its payment and stock
    assert summary == {"cancelled": 1, "drafts_released": 0}
    order = Order.objects.get(pk=placement.order.pk)
    assert order.status == OrderStatus.CANCELLED and order.hold_expires_at is None
    assert _stock(variant) == (2, 0)
    assert DummyPayment.objects.get(reference=str(order.uuid)).status == "cancelled"
    kinds = list(order.events.values_list("kind", flat=True))
    assert OrderEventKind.HOLD_EXPIRED in kinds and OrderEventKind.CANCELLED in kinds
    assert Order.objects.get(pk=other.order.pk).status == OrderStatus.PENDING
    # and running it again changes nothing
    assert orders_expire_unpaid() == {"cancelled": 0, "drafts_released": 0}


def test_a_declined_order_left_alone_is_cancelled_when_its_window_ends(in_alpha):
    variant = variant_make(stock=2)
    placement = place(checkout_ready(items=[(variant, 1)]), card=CARD_DECLINED)
    _expire(placement.order)
    assert orders_expire_unpaid()["cancelled"] == 1
    assert Order.objects.get(pk=placement.order.pk).status == OrderStatus.CANCELLED


def test_the_checkout_of_an_expired_order_can_be_completed_again(in_alpha):
    variant = variant_make(stock=2)
    checkout = checkout_ready(items=[(variant, 1)])
    first = place(checkout, card=CARD_REQUIRES_AUTHENTICATION)
    _expire(first.order)
    orders_expire_unpaid()
    # when the shopper comes back and pays
    second = place(checkout)
    # then a new order is made (the cancelled one stays as it was)
    assert second.paid and second.order.pk != first.order.pk
    assert Order.objects.filter(checkout_token=checkout.token).count() == 2
    assert _stock(variant) == (1, 0)


def test_a_payment_that_succeeded_without_telling_us_is_kept_not_cancelled(in_alpha):
    variant = variant_make(stock=2)
    placement = place(checkout_ready(items=[(variant, 1)]), card=CARD_REQUIRES_AUTHENTICATION)
    # the shopper approved, but the update never arrived
    DummyPayment.objects.filter(reference=str(placement.order.uuid)).update(status="succeeded")
    _expire(placement.order)
    assert orders_expire_unpaid() == {"cancelled": 0, "drafts_released": 0}
    order = Order.objects.get(pk=placement.order.pk)
    assert order.status == OrderStatus.PAID and _stock(variant) == (1, 0)


def test_an_expired_draft_gives_its_stock_back_but_stays_payable(in_alpha):
    from apps.orders.placement import order_pay

    draft = draft_make()
    order_pay(
        order=draft,
        gateway_code="dummy",
        payment_data={"card_number": CARD_REQUIRES_AUTHENTICATION},
        return_url="http://alpha.platform.test/pay/",
    )
    draft.refresh_from_db()
    assert draft.stock_status == OrderStockStatus.RESERVED
    _expire(draft)
    assert orders_expire_unpaid() == {"cancelled": 0, "drafts_released": 1}
    draft.refresh_from_db()
    assert draft.status == OrderStatus.PENDING and draft.hold_expires_at is None
    assert draft.stock_status == OrderStockStatus.RELEASED


def test_a_paid_order_is_never_expired(in_alpha):
    order = place(checkout_ready(items=[(variant_make(), 1)])).order
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - timedelta(hours=1))
    assert orders_expire_unpaid()["cancelled"] == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_status_changes_only_through_the_state_machine_even_for_jobs(in_alpha):
    order = order_row(status="cancelled")
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - timedelta(hours=1))
    assert orders_expire_unpaid()["cancelled"] == 0
    with pytest.raises(OrderError):
        _order_transition(order=order, to=OrderStatus.PAID)
