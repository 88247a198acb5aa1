from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import EventRecord
from apps.inventory.errors import (
    InsufficientStock,
    InvalidQuantity,
    InventoryError,
    LocationCodeTaken,
    LocationInactive,
    LocationInvalid,
    ReservationNotActive,
    StockBelowReserved,
)
from apps.inventory.models import Location, Reservation, StockLevel, StockMovement
from apps.inventory.services import (
    inventory_commit,
    inventory_release,
    inventory_reserve,
    location_save,
    reservations_release_expired,
    stock_adjust,
    stock_set,
)
from apps.inventory.signals import stock_shown_changed
from apps.inventory.tests.factories import location_make, variant_make
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _level(stock: StockLevel) -> tuple[int, int]:
    stock.refresh_from_db()
    return stock.on_hand, stock.reserved


def _low_events(sku: str) -> list[EventRecord]:
    return list(EventRecord.objects.filter(name="inventory.low", payload__sku=sku).order_by("created_at"))


# ------------------------------------------------------------------------------
# locations
# ------------------------------------------------------------------------------
def test_location_save_creates_and_updates_a_location(in_alpha):
    # when a location is created, then edited
    location = location_save(
        location=Location(), name=" Main ", code="Main-WH", kind="warehouse", priority=10, is_active=True
    )
    location_save(
        location=location, name="Main", code="main-wh", kind="supplier", priority=5, is_active=False
    )
    # then the stored values are the cleaned ones
    location.refresh_from_db()
    assert (location.name, location.code, location.kind, location.priority, location.is_active) == (
        "Main",
        "main-wh",
        "supplier",
        5,
        False,
    )


def test_a_taken_location_code_is_refused_by_name(in_alpha):
    # given a location with code "berlin"
    location_make(code="berlin")
    # when another location asks for the same code
    with pytest.raises(LocationCodeTaken) as caught:
        location_make(code="berlin")
    # then the error names the code and the field
    assert caught.value.code == "location_code_taken"
    assert "berlin" in caught.value.message
    assert caught.value.field == "code"
    assert Location.objects.filter(code="berlin").count() == 1


@pytest.mark.parametrize(
    ("name", "code", "kind", "priority", "field"),
    [
        ("", "ok", "warehouse", 1, "name"),
        ("A", "not a slug!", "warehouse", 1, "code"),
        ("A", "ok", "moon", 1, "kind"),
        ("A", "ok", "warehouse", -1, "priority"),
    ],
)
def test_invalid_location_input_is_refused_on_its_field(in_alpha, name, code, kind, priority, field):
    with pytest.raises(LocationInvalid) as caught:
        location_save(location=Location(), name=name, code=code, kind=kind, priority=priority, is_active=True)
    assert caught.value.field == field
    assert not Location.objects.exists()


# ------------------------------------------------------------------------------
# stock_set / stock_adjust
# ------------------------------------------------------------------------------
def test_stock_set_creates_the_level_and_records_the_movement(in_alpha):
    # given a variant with no stock anywhere
    variant, location = variant_make(), location_make()
    staff = make_store_user(in_alpha, "counter@example.com", staff=True)
    # when a supplier sync sets its stock
    stock = stock_set(
        variant=variant,
        location=location,
        on_hand=12,
        reason="Feed 42",
        actor=staff,
        kind=StockMovement.Kind.SUPPLIER_SYNC,
        reference="run-42",
    )
    # then the level exists with that number, and the movement says who, why and by how much
    assert _level(stock) == (12, 0)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.kind, movement.on_hand_delta, movement.reserved_delta) == ("supplier_sync", 12, 0)
    assert (movement.on_hand_after, movement.reserved_after) == (12, 0)
    assert (movement.reason, movement.reference, movement.actor) == ("Feed 42", "run-42", staff)

    # when it is set again to a lower and then to the same number
    stock_set(variant=variant, location=location, on_hand=7, reason="Count")
    stock_set(variant=variant, location=location, on_hand=7, reason="Count again")
    # then only the real change is recorded
    deltas = list(
        StockMovement.objects.filter(stock=stock).order_by("id").values_list("on_hand_delta", flat=True)
    )
    assert deltas == [12, -5]


def test_stock_set_refuses_going_below_what_is_reserved(in_alpha):
    # given 10 on hand with 4 reserved
    variant, location = variant_make(sku="RES-4"), location_make()
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="Count")
    inventory_reserve(variant=variant, quantity=4, reference="cart-1")
    # when on hand is set to 3
    with pytest.raises(StockBelowReserved) as caught:
        stock_set(variant=variant, location=location, on_hand=3, reason="Count")
    # then it is refused with a clear message and nothing changes
    assert caught.value.code == "below_reserved"
    assert "RES-4" in caught.value.message and "4 reserved" in caught.value.message
    assert _level(stock) == (10, 4)
    assert StockMovement.objects.filter(stock=stock).count() == 2


def test_stock_set_refuses_a_negative_number_and_an_unknown_kind(in_alpha):
    variant, location = variant_make(), location_make()
    with pytest.raises(InvalidQuantity):
        stock_set(variant=variant, location=location, on_hand=-1, reason="x")
    with pytest.raises(InventoryError) as caught:
        stock_set(variant=variant, location=location, on_hand=1, reason="x", kind=StockMovement.Kind.RESERVED)
    assert caught.value.code == "invalid_kind"
    assert not StockMovement.objects.exists()


def test_stock_adjust_receives_and_removes_but_never_below_reserved(in_alpha):
    # given a variant with 5 received
    variant, location = variant_make(sku="ADJ-1"), location_make(name="Depot")
    stock = stock_adjust(
        variant=variant, location=location, delta=5, reason="Delivery", kind=StockMovement.Kind.RECEIVED
    )
    assert _level(stock) == (5, 0)
    # and 2 of them reserved
    inventory_reserve(variant=variant, quantity=2, reference="cart-9")
    # when 3 are removed
    stock_adjust(variant=variant, location=location, delta=-3, reason="Damaged")
    assert _level(stock) == (2, 2)
    # then removing one more is refused, naming the SKU, the location and what can be removed
    with pytest.raises(InsufficientStock) as caught:
        stock_adjust(variant=variant, location=location, delta=-1, reason="Lost")
    assert caught.value.code == "insufficient_stock"
    assert caught.value.field == "delta"
    assert "ADJ-1" in caught.value.message and "Depot" in caught.value.message
    assert "at most 0" in caught.value.message
    assert _level(stock) == (2, 2)
    kinds = list(StockMovement.objects.filter(stock=stock).order_by("id").values_list("kind", flat=True))
    assert kinds == ["received", "reserved", "adjusted"]


def test_stock_adjust_refuses_zero_and_removal_from_nothing(in_alpha):
    variant, location = variant_make(), location_make()
    with pytest.raises(InvalidQuantity):
        stock_adjust(variant=variant, location=location, delta=0, reason="x")
    with pytest.raises(InsufficientStock):
        stock_adjust(variant=variant, location=location, delta=-1, reason="x")
    assert not StockMovement.objects.exists()


# ------------------------------------------------------------------------------
# reservations
# ------------------------------------------------------------------------------
def test_reserve_uses_the_first_active_location_by_priority_that_has_enough(in_alpha):
    # given stock at an inactive location (priority 1), a small one (2) and a big one (3)
    variant = variant_make()
    inactive = location_make(priority=1, is_active=False)
    small, big = location_make(priority=2), location_make(priority=3)
    stock_set(variant=variant, location=inactive, on_hand=100, reason="x")
    small_stock = stock_set(variant=variant, location=small, on_hand=2, reason="x")
    big_stock = stock_set(variant=variant, location=big, on_hand=10, reason="x")
    # when 2 and then 3 are reserved
    first = inventory_reserve(variant=variant, quantity=2, reference="order-1")
    second = inventory_reserve(variant=variant, quantity=3, reference="order-2")
    # then the first fits the small location, the second only the big one; the inactive one is skipped
    assert first.stock_id == small_stock.pk and second.stock_id == big_stock.pk
    assert _level(small_stock) == (2, 2) and _level(big_stock) == (10, 3)
    assert first.status == Reservation.Status.ACTIVE
    movement = StockMovement.objects.get(stock=big_stock, kind="reserved")
    assert (movement.reserved_delta, movement.reserved_after, movement.reference) == (3, 3, "order-2")


def test_reserve_at_a_given_location_or_an_inactive_one(in_alpha):
    variant = variant_make()
    main, other = location_make(priority=1), location_make(priority=2)
    stock_set(variant=variant, location=main, on_hand=5, reason="x")
    other_stock = stock_set(variant=variant, location=other, on_hand=5, reason="x")
    reservation = inventory_reserve(variant=variant, quantity=1, reference="r", location=other)
    assert reservation.stock_id == other_stock.pk
    closed = location_make(is_active=False)
    with pytest.raises(LocationInactive):
        inventory_reserve(variant=variant, quantity=1, reference="r", location=closed)


def test_reserve_more_than_available_is_refused_naming_sku_and_availability(in_alpha):
    # given 3 available in total over two locations
    variant = variant_make(sku="TEE-RED-M")
    stock_set(variant=variant, location=location_make(), on_hand=2, reason="x")
    stock_set(variant=variant, location=location_make(), on_hand=1, reason="x")
    # when 3 are asked for at once (no single location has them)
    with pytest.raises(InsufficientStock) as caught:
        inventory_reserve(variant=variant, quantity=3, reference="cart-2")
    # then the error says what is available of which SKU, and nothing is held
    assert caught.value.code == "insufficient_stock"
    assert caught.value.message == "Only 3 of TEE-RED-M available; 3 requested."
    assert not Reservation.objects.exists()
    assert StockLevel.objects.filter(variant=variant, reserved__gt=0).count() == 0
    with pytest.raises(InvalidQuantity):
        inventory_reserve(variant=variant, quantity=0, reference="cart-2")


def test_reserve_without_any_stock_level_says_none_available(in_alpha):
    variant = variant_make(sku="NOSTOCK")
    with pytest.raises(InsufficientStock, match="Only 0 of NOSTOCK available"):
        inventory_reserve(variant=variant, quantity=1, reference="c")


def test_commit_sells_the_units_once(in_alpha):
    # given 10 on hand with 4 reserved
    variant, location = variant_make(), location_make()
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="x")
    reservation = inventory_reserve(variant=variant, quantity=4, reference="order-7")
    # when the reservation is committed twice
    committed = inventory_commit(reservation=reservation)
    again = inventory_commit(reservation=reservation)
    # then the units left on hand and reserved once, with one movement
    assert committed.status == again.status == Reservation.Status.COMMITTED
    assert _level(stock) == (6, 0)
    movement = StockMovement.objects.get(stock=stock, kind="committed")
    assert (movement.on_hand_delta, movement.reserved_delta) == (-4, -4)
    assert (movement.on_hand_after, movement.reserved_after, movement.reference) == (6, 0, "order-7")
    # and a sold reservation cannot be released
    with pytest.raises(ReservationNotActive) as caught:
        inventory_release(reservation=reservation)
    assert caught.value.code == "reservation_not_active"
    assert _level(stock) == (6, 0)


def test_release_returns_the_units_once_and_cannot_then_be_sold(in_alpha):
    variant, location = variant_make(), location_make()
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="x")
    reservation = inventory_reserve(variant=variant, quantity=4, reference="cart-3")
    # when released twice
    inventory_release(reservation=reservation)
    released = inventory_release(reservation=reservation)
    # then the hold is gone once and recorded once
    assert released.status == Reservation.Status.RELEASED
    assert _level(stock) == (10, 0)
    assert StockMovement.objects.filter(stock=stock, kind="released").count() == 1
    with pytest.raises(ReservationNotActive):
        inventory_commit(reservation=reservation)
    assert _level(stock) == (10, 0)


def test_expired_reservations_are_released(in_alpha):
    # given one expired and one current reservation
    variant, location = variant_make(), location_make()
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="x")
    now = timezone.now()
    expired = inventory_reserve(
        variant=variant, quantity=2, reference="old", expires_at=now - timedelta(minutes=1)
    )
    current = inventory_reserve(
        variant=variant, quantity=3, reference="new", expires_at=now + timedelta(minutes=10)
    )
    # when expired ones are released
    assert reservations_release_expired(now=now) == 1
    # then only the expired one was
    expired.refresh_from_db()
    current.refresh_from_db()
    assert (expired.status, current.status) == ("released", "active")
    assert _level(stock) == (10, 3)


# ------------------------------------------------------------------------------
# low stock
# ------------------------------------------------------------------------------
def test_cached_pages_hear_of_the_stock_changes_a_shopper_sees(in_alpha, django_capture_on_commit_callbacks):
    # given 10 on hand and a threshold of 5, and a listener for what shoppers would see
    variant, location = variant_make(sku="SHOWN-1"), location_make(code="shown-wh")
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="x")
    StockLevel.objects.filter(pk=stock.pk).update(low_stock_threshold=5)
    heard: list[int] = []

    def listener(sender, *, variant_id, available, **kwargs):
        assert variant_id == variant.pk
        heard.append(available)

    stock_shown_changed.connect(listener)
    try:
        # when available goes 10 -> 8 (still "in stock"), 8 -> 5 -> 0 -> 3 and back up to 9
        with django_capture_on_commit_callbacks(execute=True):
            inventory_reserve(variant=variant, quantity=2, reference="a")
            assert heard == []  # nothing is sent before the commit
            inventory_reserve(variant=variant, quantity=3, reference="b")
            inventory_reserve(variant=variant, quantity=5, reference="c")
            stock_adjust(variant=variant, location=location, delta=3, reason="Delivery")
            stock_adjust(variant=variant, location=location, delta=6, reason="Delivery")
    finally:
        stock_shown_changed.disconnect(listener)

    # then each change with a low count on either side was told, the one above the threshold not
    assert heard == [5, 0, 3, 9]


def test_low_stock_is_announced_once_when_available_crosses_the_threshold(
    in_alpha, django_capture_on_commit_callbacks
):
    # given 10 on hand and a threshold of 5
    variant, location = variant_make(sku="LOW-1"), location_make(code="low-wh")
    stock = stock_set(variant=variant, location=location, on_hand=10, reason="x")
    StockLevel.objects.filter(pk=stock.pk).update(low_stock_threshold=5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # when available goes 10 -> 7 (above), 7 -> 5 (crosses), 5 -> 4 (already low)
        inventory_reserve(variant=variant, quantity=3, reference="a")
        assert _low_events("LOW-1") == []
        inventory_reserve(variant=variant, quantity=2, reference="b")
        inventory_reserve(variant=variant, quantity=1, reference="c")
    # then exactly one event was recorded, with what it is about, and dispatched on commit
    events = _low_events("LOW-1")
    assert len(events) == 1
    assert events[0].payload == {
        "sku": "LOW-1",
        "variant_id": variant.pk,
        "location": "low-wh",
        "available": 5,
        "threshold": 5,
    }
    # (and two callbacks telling cached pages of the counts a shopper sees: 7 -> 5 and 5 -> 4)
    assert len(callbacks) == 3
    events[0].refresh_from_db()
    assert events[0].status == EventRecord.Status.DISPATCHED

    # when stock is received (back above) and then adjusted down across it again
    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(variant=variant, location=location, delta=10, reason="Delivery")  # 14 available
        stock_adjust(variant=variant, location=location, delta=-9, reason="Count")  # 5 available
    # then the second crossing is announced too, and only it
    events = _low_events("LOW-1")
    assert [e.payload["available"] for e in events] == [5, 5]


def test_a_refused_change_announces_nothing(in_alpha, django_capture_on_commit_callbacks):
    variant, location = variant_make(sku="LOW-2"), location_make()
    stock_set(variant=variant, location=location, on_hand=6, reason="x")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InsufficientStock):
        inventory_reserve(variant=variant, quantity=7, reference="too-many")
    assert callbacks == []
    assert _low_events("LOW-2") == []


def test_the_beat_task_releases_expired_reservations_in_every_store(alpha, beta):
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from apps.inventory.models import Reservation
    from apps.tenants.tasks import store_job_fan_out

    held = []
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            variant, location = variant_make(), location_make()
            stock_set(variant=variant, location=location, on_hand=5, reason="count")
            held.append(
                inventory_reserve(
                    variant=variant,
                    quantity=2,
                    reference="cart-1",
                    expires_at=timezone.now() - timedelta(minutes=1),
                ).pk
            )
    assert store_job_fan_out.delay("inventory.reservations_release_expired").get()["queued"] >= 2
    for world, pk in zip((alpha, beta), held, strict=True):
        with schema_context(world.tenant.schema_name):
            assert Reservation.objects.get(pk=pk).status == Reservation.Status.RELEASED
