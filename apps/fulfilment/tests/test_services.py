"""Shipping orders: the status follows the shipments, events and timeline are written once, and
every refusal leaves nothing behind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.core.models import EventRecord
from apps.fulfilment.enums import FulfilmentStatus
from apps.fulfilment.errors import FulfilmentError, FulfilmentErrorCode
from apps.fulfilment.models import Fulfilment, FulfilmentLine, TrackingEvent
from apps.fulfilment.services import (
    TrackingUpdate,
    fulfilment_cancel,
    fulfilment_create,
    fulfilment_mark_delivered,
    fulfilment_tracking_record,
)
from apps.fulfilment.tests.factories import emitted, paid_order, refund, ship
from apps.orders.enums import OrderEventKind
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import OrderEvent
from apps.orders.selectors import PaymentState, order_payment_state
from apps.orders.services import order_cancel
from apps.orders.tests.factories import CARD_DECLINED, checkout_ready, place, variant_make

pytestmark = pytest.mark.usefixtures("in_alpha")


def _kinds(order) -> list[str]:
    return list(order.events.order_by("id").values_list("kind", flat=True))


def test_partial_then_full_fulfilment_moves_the_status_and_emits_events():
    # given a paid order of 3 + 1 units
    order = paid_order(3, 1)
    # when one unit ships
    first = ship(order, 1, 0, carrier="ups", number="1Z999AA10123456784")
    # then the order is partially fulfilled, the shipment links to the carrier's tracking page
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    assert first.carrier_name == "UPS" and first.tracking_url.endswith("1Z999AA10123456784")
    [payload] = emitted("order.fulfilled")
    assert payload["number"] == order.number and payload["status"] == "partially_fulfilled"
    assert payload["fulfilment"]["tracking_number"] == "1Z999AA10123456784"
    assert payload["fulfilment"]["lines"] == [
        {"sku": order.lines.order_by("position", "id")[0].sku, "title": "Linen shirt", "quantity": 1}
    ]
    created = order.events.get(kind=OrderEventKind.FULFILMENT_CREATED)
    assert created.params["units"] == 1 and created.params["carrier"] == "UPS"
    # when the rest ships
    ship(order, 2, 1)
    order.refresh_from_db()
    assert order.status == "fulfilled"
    assert len(emitted("order.fulfilled")) == 2
    # when the first parcel arrives: on the timeline, but the order is not delivered yet
    fulfilment_mark_delivered(fulfilment=first)
    order.refresh_from_db()
    assert order.status == "fulfilled" and not emitted("order.delivered")
    # when the second one does: `order.delivered` once, for the whole order
    fulfilment_mark_delivered(fulfilment=order.fulfilments.exclude(pk=first.pk).get())
    order.refresh_from_db()
    assert order.status == "delivered"
    [delivered] = emitted("order.delivered")
    assert delivered["status"] == "delivered"
    # marking it again changes nothing
    fulfilment_mark_delivered(fulfilment=first)
    assert len(emitted("order.delivered")) == 1
    assert _kinds(order).count(OrderEventKind.DELIVERED) == 2


def test_a_submission_token_ships_once_even_when_the_form_arrives_twice():
    order = paid_order(4)
    token = uuid.uuid4()
    line = order.lines.get()
    first = fulfilment_create(
        order=order, lines=[(line, 1)], carrier="dhl", tracking_number="1234567890", submission_token=token
    )
    with pytest.raises(FulfilmentError) as refused:
        fulfilment_create(
            order=order,
            lines=[(line, 1)],
            carrier="dhl",
            tracking_number="1234567890",
            submission_token=token,
        )
    assert refused.value.code == FulfilmentErrorCode.ALREADY_RECORDED
    assert list(Fulfilment.objects.filter(order=order)) == [first]
    assert len(emitted("order.fulfilled")) == 1
    assert _kinds(order).count(OrderEventKind.FULFILMENT_CREATED) == 1


def _nothing_written(order, events_before: int, timeline_before: int) -> None:
    assert not Fulfilment.objects.filter(order=order).exists()
    assert not FulfilmentLine.objects.filter(fulfilment__order=order).exists()
    assert EventRecord.objects.count() == events_before
    assert OrderEvent.objects.filter(order=order).count() == timeline_before
    order.refresh_from_db()
    assert order.status == "paid" or order.status == "pending"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"quantity": 3}, FulfilmentErrorCode.QUANTITY_TOO_LARGE, "line_"),
        ({"carrier": "pigeon"}, FulfilmentErrorCode.CARRIER_UNKNOWN, "carrier"),
        ({"carrier": "other"}, FulfilmentErrorCode.CARRIER_UNKNOWN, "tracking_url"),
        ({"tracking_number": "   "}, FulfilmentErrorCode.TRACKING_NUMBER_REQUIRED, "tracking_number"),
        ({"tracking_number": "<script>"}, FulfilmentErrorCode.TRACKING_NUMBER_INVALID, "tracking_number"),
        ({"tracking_url": "javascript:alert(1)"}, FulfilmentErrorCode.TRACKING_URL_INVALID, "tracking_url"),
        ({"quantity": 0}, FulfilmentErrorCode.NOTHING_TO_FULFIL, None),
        ({"quantity": -1}, FulfilmentErrorCode.QUANTITY_INVALID, None),
    ],
)
def test_bad_input_is_refused_with_nothing_written(change, code, field):
    order = paid_order(2)
    events_before, timeline_before = EventRecord.objects.count(), order.events.count()
    line = order.lines.get()
    arguments: dict[str, Any] = {"carrier": "dhl", "tracking_number": "1234567890", "tracking_url": ""}
    arguments.update({key: value for key, value in change.items() if key != "quantity"})
    with pytest.raises(FulfilmentError) as refused:
        fulfilment_create(order=order, lines=[(line, change.get("quantity", 1))], **arguments)
    assert refused.value.code == code
    assert (refused.value.field or "").startswith(field) if field else refused.value.field is None
    assert refused.value.message
    _nothing_written(order, events_before, timeline_before)


def test_more_than_left_after_an_earlier_shipment_is_refused():
    order = paid_order(2)
    ship(order, 1)
    with pytest.raises(FulfilmentError) as refused:
        ship(order, 2)
    assert refused.value.code == FulfilmentErrorCode.QUANTITY_TOO_LARGE
    assert "Only 1 units" in refused.value.message
    assert order.fulfilments.count() == 1


def test_a_line_of_another_order_is_refused():
    order, other = paid_order(1), paid_order(1)
    with pytest.raises(FulfilmentError) as refused:
        fulfilment_create(
            order=order, lines=[(other.lines.get(), 1)], carrier="dhl", tracking_number="1234567890"
        )
    assert refused.value.code == FulfilmentErrorCode.LINE_UNKNOWN
    assert not Fulfilment.objects.exists()


def test_unpaid_and_cancelled_orders_do_not_ship():
    variant = variant_make(stock=5)
    unpaid = place(checkout_ready(items=[(variant, 1)]), card=CARD_DECLINED).order
    unpaid.refresh_from_db()
    assert unpaid.status == "pending"
    events_before, timeline_before = EventRecord.objects.count(), unpaid.events.count()
    with pytest.raises(FulfilmentError) as refused:
        ship(unpaid, 1)
    assert refused.value.code == FulfilmentErrorCode.ORDER_NOT_FULFILLABLE
    assert "not paid" in refused.value.message
    _nothing_written(unpaid, events_before, timeline_before)

    from apps.orders.services import order_cancel

    paid = paid_order(1)
    order_cancel(order=paid, actor=None, reason="changed mind")
    paid.refresh_from_db()
    assert paid.status == "cancelled"
    with pytest.raises(FulfilmentError, match="cancelled"):
        ship(paid, 1)
    assert not paid.fulfilments.exists()


def test_an_unknown_carrier_ships_with_its_own_tracking_link():
    order = paid_order(1)
    fulfilment = fulfilment_create(
        order=order,
        lines=[(order.lines.get(), 1)],
        carrier="other",
        carrier_name="Local Courier",
        tracking_number="lc-0001 22",
        tracking_url="https://courier.example/track/LC000122",
    )
    assert (fulfilment.carrier, fulfilment.carrier_name, fulfilment.tracking_number) == (
        "other",
        "Local Courier",
        "LC000122",
    )
    assert fulfilment.tracking_url == "https://courier.example/track/LC000122"


def test_tracking_events_are_stored_once_when_synced_again_and_delivery_completes_the_order():
    order = paid_order(1)
    fulfilment = ship(order, 1)
    order.refresh_from_db()
    assert order.status == "fulfilled"
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    scans = [
        TrackingUpdate(occurred_at=start, status="in_transit", description="Picked up", location="Leipzig"),
        TrackingUpdate(
            occurred_at=start + timedelta(hours=20), status="out_for_delivery", description="With the courier"
        ),
    ]
    fulfilment_tracking_record(fulfilment=fulfilment, events=scans, delivered=False)
    fulfilment_tracking_record(fulfilment=fulfilment, events=list(reversed(scans)) + scans, delivered=False)
    assert TrackingEvent.objects.filter(fulfilment=fulfilment).count() == 2
    fulfilment.refresh_from_db()
    assert fulfilment.status == FulfilmentStatus.OUT_FOR_DELIVERY
    assert _kinds(order).count(OrderEventKind.TRACKING_UPDATED) == 1
    assert not emitted("order.delivered")

    arrived = TrackingUpdate(
        occurred_at=start + timedelta(hours=26), status="delivered", description="Handed over"
    )
    fulfilment_tracking_record(fulfilment=fulfilment, events=[*scans, arrived], delivered=True)
    fulfilment.refresh_from_db()
    order.refresh_from_db()
    assert fulfilment.status == "delivered" and fulfilment.delivered_at == arrived.occurred_at
    assert order.status == "delivered"
    [payload] = emitted("order.delivered")
    assert payload["fulfilment"]["id"] == fulfilment.pk
    assert TrackingEvent.objects.filter(fulfilment=fulfilment).count() == 3
    # a late re-sync of the delivery does not deliver twice
    fulfilment_tracking_record(fulfilment=fulfilment, events=[arrived], delivered=True)
    assert len(emitted("order.delivered")) == 1


def test_a_cancelled_shipment_frees_its_units_and_cannot_be_delivered():
    order = paid_order(2)
    wrong = ship(order, 2)
    fulfilment_cancel(fulfilment=wrong)
    assert wrong.status == "cancelled" and wrong.cancelled_at is not None
    assert OrderEventKind.FULFILMENT_CANCELLED in _kinds(order)
    with pytest.raises(FulfilmentError):
        fulfilment_cancel(fulfilment=wrong)
    with pytest.raises(FulfilmentError):
        fulfilment_mark_delivered(fulfilment=wrong)
    with pytest.raises(FulfilmentError):
        fulfilment_tracking_record(fulfilment=wrong, events=[], delivered=True)
    again = ship(order, 2)
    fulfilment_mark_delivered(fulfilment=again)
    order.refresh_from_db()
    assert order.status == "delivered"
    with pytest.raises(FulfilmentError) as refused:
        fulfilment_cancel(fulfilment=again)
    assert refused.value.code == FulfilmentErrorCode.NOT_CANCELLABLE


def test_a_partially_refunded_order_still_ships_and_its_status_follows():
    order = refund(paid_order(2), "5.00")
    assert order.status == "partially_refunded"
    ship(order, 1)
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    ship(order, 1)
    order.refresh_from_db()
    assert order.status == "fulfilled"


@pytest.mark.parametrize("shipped", ["partially_fulfilled", "fulfilled", "delivered"])
def test_a_partial_refund_after_shipping_keeps_the_shipping_status_and_the_order_cannot_be_cancelled(
    shipped,
):
    # given a paid order of 4 units, some or all of which have shipped
    order = paid_order(4)
    fulfilment = ship(order, 2 if shipped == "partially_fulfilled" else 4)
    if shipped == "delivered":
        fulfilment_mark_delivered(fulfilment=fulfilment)
    order.refresh_from_db()
    assert order.status == shipped
    variant = order.lines.get().variant
    assert variant is not None
    on_hand = variant.stock_levels.get().on_hand
    # when part of the money goes back
    order = refund(order, "5.00")
    # then the order still says how far shipping got; the payment state shows the refund
    assert order.status == shipped
    assert order_payment_state(order) == PaymentState.PARTIALLY_REFUNDED
    # and cancelling (which puts every unit back into stock) is refused, stock untouched
    with pytest.raises(OrderError) as refused:
        order_cancel(order=order, actor=None, reason="changed mind")
    assert refused.value.code == OrderErrorCode.NOT_CANCELLABLE
    order.refresh_from_db()
    assert order.status == shipped and variant.stock_levels.get().on_hand == on_hand
    assert order.fulfilments.get().status != FulfilmentStatus.CANCELLED


def test_a_fully_refunded_order_does_not_ship():
    order = paid_order(1)
    order = refund(order, str(order.net_paid))
    assert order.status == "refunded"
    with pytest.raises(FulfilmentError, match="refunded"):
        ship(order, 1)
