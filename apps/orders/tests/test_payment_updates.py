"""Payment updates arriving later (webhooks, the authentication page): idempotent on the event id,
monotonic, and the same final state in every arrival order."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.checkout.models import Checkout
from apps.inventory.models import StockLevel
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order, PaymentUpdateRecord
from apps.orders.services import order_cancel
from apps.orders.tests.factories import CARD_REQUIRES_AUTHENTICATION, checkout_ready, place, variant_make
from apps.payments.enums import PaymentStatus
from apps.payments.gateways.base import PaymentUpdate
from apps.payments.models import DummyPayment
from apps.payments.updates import payment_update_dispatch

pytestmark = pytest.mark.django_db

T0 = timezone.now()


def _pending_order(stock: int = 5):
    """An order waiting for the shopper's authentication (20.00 + 5.00 shipping)."""
    variant = variant_make(price="20.00", stock=stock)
    placement = place(checkout_ready(items=[(variant, 1)]), card=CARD_REQUIRES_AUTHENTICATION)
    assert placement.payment is not None
    return placement.order, placement.payment, variant


def _update(
    payment, status: str, *, refunded: str = "0", minute: int = 0, event: str = "", error: str = ""
) -> PaymentUpdate:
    return PaymentUpdate(
        gateway="dummy",
        external_id=payment.external_id,
        status=PaymentStatus(status),
        amount=payment.amount,
        amount_refunded=Decimal(refunded),
        currency=payment.currency,
        occurred_at=T0 + timedelta(minutes=minute),
        event_id=event or f"evt_{status}_{refunded}_{minute}",
        error_code="card_declined" if error else "",
        error_message=error,
    )


def _state(order: Order, variant) -> tuple:
    order.refresh_from_db()
    payment = order.payments.get()
    level = StockLevel.objects.get(variant=variant)
    assert order.checkout_token is not None
    checkout = Checkout.objects.get(token=order.checkout_token)
    refunded = order.refunds.filter(status="succeeded").aggregate(total=Sum("amount"))["total"]
    return (
        order.status,
        order.amount_paid,
        order.amount_refunded,
        order.stock_status,
        payment.status,
        payment.amount_refunded,
        payment.captured,
        (level.on_hand, level.reserved),
        checkout.status,
        refunded,
    )


LIFE = [
    ("requires_action", "0", 1),
    ("processing", "0", 2),
    ("succeeded", "0", 3),
    ("partially_refunded", "5.00", 4),
    ("refunded", "25.00", 5),
]


@pytest.mark.parametrize("order_of_arrival", list(itertools.permutations(range(len(LIFE)))))
def test_every_arrival_order_of_one_payments_updates_ends_in_the_same_state(in_alpha, order_of_arrival):
    # given an order whose payment waits for authentication
    order, payment, variant = _pending_order()
    # when its updates (authentication, success, partial refund, full refund) arrive in this order
    for index in order_of_arrival:
        status, refunded, minute = LIFE[index]
        payment_update_dispatch(_update(payment, status, refunded=refunded, minute=minute))
    # then the order ends paid-then-refunded, the stock sold once, the checkout completed
    assert _state(order, variant) == (
        OrderStatus.REFUNDED,
        Decimal("25.00"),
        Decimal("25.00"),
        "committed",
        "refunded",
        Decimal("25.00"),
        True,
        (4, 0),
        Checkout.Status.COMPLETED,
        Decimal("25.00"),
    )
    assert order.paid_at is not None


@pytest.mark.parametrize(
    "order_of_arrival", [("requires_action", "processing"), ("processing", "requires_action")]
)
def test_a_payment_the_gateway_is_processing_stays_processing_whatever_came_first(in_alpha, order_of_arrival):
    # Stripe: the shopper authenticated (requires_action), then the intent is processing.
    order, payment, variant = _pending_order()
    for minute, status in enumerate(order_of_arrival):
        payment_update_dispatch(_update(payment, status, minute=minute))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    # still under way: the order waits with its stock held, nothing is given back
    assert order.status == OrderStatus.PENDING
    assert StockLevel.objects.get(variant=variant).reserved == 1
    # and the gateway's final word still moves it on
    payment_update_dispatch(_update(payment, "succeeded", minute=5))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_reason_of_a_failure_learnt_from_an_update_is_kept_with_the_payment(in_alpha):
    order, payment, _variant = _pending_order()
    payment_update_dispatch(_update(payment, "failed", error="Your card was declined."))
    payment.refresh_from_db()
    assert (payment.status, payment.error_code, payment.error_message) == (
        "failed",
        "card_declined",
        "Your card was declined.",
    )
    failed = order.events.get(kind=OrderEventKind.PAYMENT_FAILED)
    assert failed.params["error_code"] == "card_declined"
    assert failed.params["error_message"] == "Your card was declined."


def test_a_late_failure_does_not_put_an_error_on_a_payment_that_succeeded(in_alpha):
    _order, payment, _variant = _pending_order()
    payment_update_dispatch(_update(payment, "succeeded", minute=2))
    payment_update_dispatch(_update(payment, "failed", minute=1, error="Your card was declined."))
    payment.refresh_from_db()
    assert (payment.status, payment.error_code, payment.error_message) == ("succeeded", "", "")


@pytest.mark.parametrize("order_of_arrival", [("requires_action", "failed"), ("failed", "requires_action")])
def test_a_failure_in_any_order_leaves_the_order_pending_with_the_stock_back(in_alpha, order_of_arrival):
    order, payment, variant = _pending_order()
    for minute, status in enumerate(order_of_arrival):
        payment_update_dispatch(_update(payment, status, minute=minute))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.payments.get().status == "failed"
    assert StockLevel.objects.get(variant=variant).reserved == 0


@pytest.mark.parametrize("order_of_arrival", [("failed", "succeeded"), ("succeeded", "failed")])
def test_failure_and_success_of_one_payment_end_paid_in_either_order(in_alpha, order_of_arrival):
    # Stripe lets a shopper retry a failed PaymentIntent: a success may follow a failure.
    order, payment, variant = _pending_order()
    for minute, status in enumerate(order_of_arrival):
        payment_update_dispatch(_update(payment, status, minute=minute))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("25.00")
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (4, 0)


def test_the_same_event_applied_twice_changes_nothing_the_second_time(in_alpha):
    order, payment, _variant = _pending_order()
    payment_update_dispatch(_update(payment, "succeeded", event="evt_1"))
    payment_update_dispatch(_update(payment, "partially_refunded", refunded="5.00", event="evt_2"))
    # when both are delivered again
    payment_update_dispatch(_update(payment, "succeeded", event="evt_1"))
    payment_update_dispatch(_update(payment, "partially_refunded", refunded="5.00", event="evt_2"))
    order.refresh_from_db()
    assert order.amount_paid == Decimal("25.00") and order.amount_refunded == Decimal("5.00")
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert PaymentUpdateRecord.objects.filter(payment=payment).count() == 2
    assert order.events.filter(kind=OrderEventKind.REFUNDED).count() == 1
    assert order.events.filter(kind=OrderEventKind.PAYMENT_SUCCEEDED).count() == 1


def test_an_update_for_a_payment_of_no_order_is_ignored(in_alpha):
    payment_update_dispatch(
        PaymentUpdate(
            gateway="dummy",
            external_id="dummy_unknown",
            status=PaymentStatus.SUCCEEDED,
            amount=Decimal(1),
            amount_refunded=None,
            currency="EUR",
            occurred_at=T0,
            event_id="evt_unknown",
        )
    )
    assert not PaymentUpdateRecord.objects.exists()


def test_money_arriving_for_a_cancelled_order_is_refunded(in_alpha):
    # given an order cancelled while its payment waited for authentication
    order, payment, variant = _pending_order()
    order_cancel(order=order, actor=None, reason="changed my mind")
    # the dummy payment was cancelled at the gateway; Stripe could still report a success
    assert DummyPayment.objects.get(external_id=payment.external_id).status == "cancelled"
    DummyPayment.objects.filter(external_id=payment.external_id).update(status="succeeded")
    payment_update_dispatch(_update(payment, "succeeded"))
    # then the money is counted and given straight back; the order stays cancelled
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.amount_paid == order.amount_refunded == Decimal("25.00")
    assert order.refunds.get().status == "succeeded"
    assert StockLevel.objects.get(variant=variant).reserved == 0


def test_a_refund_made_at_the_provider_is_counted_once_and_announced(in_alpha):
    from apps.core.models import EventRecord

    order, payment, _variant = _pending_order()
    payment_update_dispatch(_update(payment, "succeeded", minute=1))
    # the merchant refunds 5.00 in the provider's dashboard; its webhook arrives twice
    payment_update_dispatch(_update(payment, "partially_refunded", refunded="5.00", minute=2))
    payment_update_dispatch(_update(payment, "partially_refunded", refunded="5.00", minute=2))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == Decimal("5.00") and order.balance_due == 0
    [announced] = EventRecord.objects.filter(name="order.refunded", payload__order=str(order.uuid))
    assert announced.payload["refund"]["amount"] == "5.00"
    assert announced.payload["refund"]["store_credit"] is False
