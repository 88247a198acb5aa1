"""The order state machine: every allowed move works and is on the timeline; others are refused."""

from __future__ import annotations

import pytest

from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.errors import OrderErrorCode, TransitionNotAllowed
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import order_row
from apps.orders.transitions import (
    CANCELLABLE_STATUSES,
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    ORDER_TRANSITIONS,
    _order_transition,
    transition_allowed,
)

pytestmark = pytest.mark.django_db

ALLOWED = sorted((current, to) for current, targets in ORDER_TRANSITIONS.items() for to in targets)
REFUSED = [
    ("pending", "fulfilled"),
    ("pending", "refunded"),
    ("pending", "partially_refunded"),
    ("pending", "delivered"),
    ("pending", "pending"),
    ("paid", "pending"),
    ("paid", "delivered"),
    ("paid", "paid"),
    ("fulfilled", "cancelled"),
    ("fulfilled", "paid"),
    ("delivered", "fulfilled"),
    ("delivered", "cancelled"),
    ("partially_fulfilled", "cancelled"),
    ("cancelled", "pending"),
    ("cancelled", "paid"),
    ("refunded", "paid"),
    ("refunded", "partially_refunded"),
]


def test_every_status_has_an_entry_and_every_target_is_a_status():
    assert set(ORDER_TRANSITIONS) == set(OrderStatus.values)
    assert all(set(targets) <= set(OrderStatus.values) for targets in ORDER_TRANSITIONS.values())
    assert set(FINAL_STATUSES) == {"cancelled", "refunded"}
    assert set(CANCELLABLE_STATUSES) == {"pending", "paid", "partially_refunded"}
    assert set(EDITABLE_STATUSES) == {"pending", "paid", "partially_refunded"}


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_the_timeline(in_alpha, current, to):
    # given an order in `current`
    order = order_row(status=current)
    # when it moves to `to`
    moved = _order_transition(order=order, to=to, params={"reason": "test"})
    # then the row, the caller's instance and the timeline say so
    order.refresh_from_db()
    assert order.status == moved.status == to
    event = OrderEvent.objects.get(order=order, kind=OrderEventKind.STATUS_CHANGED)
    assert event.params == {"from": current, "to": to, "reason": "test"}
    if to == "cancelled":
        assert order.cancelled_at is not None
    if to == "paid":
        assert order.paid_at is not None


@pytest.mark.parametrize(("current", "to"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(in_alpha, current, to):
    order = order_row(status=current)
    assert not transition_allowed(current=current, to=to)
    with pytest.raises(TransitionNotAllowed) as refused:
        _order_transition(order=order, to=to)
    assert refused.value.code == OrderErrorCode.TRANSITION_NOT_ALLOWED
    assert refused.value.params == {"number": order.number, "current": current, "to": to}
    assert f"#{order.number}" in refused.value.message
    assert Order.objects.get(pk=order.pk).status == current
    assert not OrderEvent.objects.filter(order=order).exists()


def test_transition_is_checked_against_the_row_not_a_stale_instance(in_alpha):
    # given two instances of one pending order, one of them moved to cancelled
    order = order_row(status="pending")
    stale = Order.objects.get(pk=order.pk)
    _order_transition(order=order, to="cancelled")
    # when the stale one tries pending -> paid
    # then the locked row (cancelled) decides, and it is refused
    with pytest.raises(TransitionNotAllowed):
        _order_transition(order=stale, to="paid")
    assert Order.objects.get(pk=order.pk).status == "cancelled"
