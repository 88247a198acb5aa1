"""Reservations under real concurrency: many threads, each with its own PostgreSQL connection,
reserve the same stock at once. Nothing is oversold and nothing goes negative.

The threads need committed rows, so this module works outside the usual rolled-back test
transaction (no `db` fixture): it creates uniquely named rows in store alpha and removes them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.catalog.models import Product, ProductVariant
from apps.core.models import EventRecord
from apps.inbox.models import Notification
from apps.inventory.errors import InsufficientStock
from apps.inventory.models import Location, Reservation, StockLevel, StockMovement
from apps.inventory.services import inventory_commit, inventory_reserve, stock_set
from apps.inventory.tests.factories import location_make, variant_make
from apps.tenants.models import Tenant

pytestmark = pytest.mark.slow

ATTEMPTS = 200
UNITS = 50
WORKERS = 32


@dataclass(frozen=True)
class Committed:
    schema: str
    variant_id: int
    location_id: int
    stock_id: int
    sku: str


@pytest.fixture
def committed_stock(django_db_setup, django_db_blocker) -> Iterator[Committed]:  # type: ignore[no-untyped-def]
    """50 units of a fresh variant at a fresh location in store alpha, committed; removed after."""
    with django_db_blocker.unblock():
        schema = Tenant.objects.get(slug="alpha").schema_name
        suffix = uuid.uuid4().hex[:8]
        with schema_context(schema):
            variant = variant_make(sku=f"RACE-{suffix}", title=f"Race {suffix}")
            location = location_make(code=f"race-{suffix}", priority=0)
            stock = stock_set(variant=variant, location=location, on_hand=UNITS, reason="race setup")
            # A threshold of 0: exactly one reservation takes available from 1+ to 0.
            StockLevel.objects.filter(pk=stock.pk).update(low_stock_threshold=0)
        try:
            yield Committed(schema, variant.pk, location.pk, stock.pk, variant.sku)
        finally:
            with schema_context(schema):
                EventRecord.objects.filter(name="inventory.low", payload__sku=variant.sku).delete()
                # the store's notification centre heard the low-stock event (apps.inbox)
                Notification.objects.filter(params__sku=variant.sku).delete()
                Product.objects.filter(variants__pk=variant.pk).delete()  # variants, stock, movements
                Location.objects.filter(pk=location.pk).delete()


def _numbers(committed: Committed) -> tuple[int, int]:
    # Straight from the table, bypassing the ORM's models.
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT on_hand, reserved FROM "{committed.schema}".inventory_stocklevel WHERE id = %s',
            [committed.stock_id],
        )
        on_hand, reserved = cursor.fetchone()
    return on_hand, reserved


def _variant(committed: Committed) -> ProductVariant:
    with schema_context(committed.schema):
        return ProductVariant.objects.get(pk=committed.variant_id)


def test_200_concurrent_reservations_for_50_units_never_oversell(committed_stock, django_db_blocker):
    c = committed_stock
    with django_db_blocker.unblock():
        variant = _variant(c)
    start = threading.Barrier(WORKERS)
    stop_sampling = threading.Event()
    samples: list[tuple[int, int]] = []

    def reserve(n: int) -> str:
        try:
            if n < WORKERS:
                start.wait(timeout=30)  # the first wave starts together
            with schema_context(c.schema):
                inventory_reserve(variant=variant, quantity=1, reference=f"race-{n}")
            return "reserved"
        except InsufficientStock:
            return "insufficient"
        finally:
            connection.close()

    def sample() -> None:
        # Reads the row while the reservations run: it must never show negative availability.
        try:
            while not stop_sampling.is_set():
                samples.append(_numbers(c))
        finally:
            connection.close()

    with django_db_blocker.unblock():
        sampler = threading.Thread(target=sample)
        sampler.start()
        # when 200 requests for one unit each race for the 50 units
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = list(pool.map(reserve, range(ATTEMPTS)))
        duration = time.monotonic() - started
        stop_sampling.set()
        sampler.join()

        # then exactly 50 succeed and 150 are refused
        succeeded, refused = outcomes.count("reserved"), outcomes.count("insufficient")
        print(
            f"\n{ATTEMPTS} reservations, {WORKERS} threads: {succeeded} reserved, {refused} refused in {duration:.2f}s"
        )
        assert (succeeded, refused) == (UNITS, ATTEMPTS - UNITS)
        # and the table says 50 reserved, 50 still on hand, nothing negative at any point
        assert _numbers(c) == (UNITS, UNITS)
        assert samples, "the sampler read nothing"
        assert all(on_hand >= 0 and 0 <= reserved <= on_hand for on_hand, reserved in samples)
        with schema_context(c.schema):
            assert Reservation.objects.filter(stock_id=c.stock_id, status="active").count() == UNITS
            reserved_moves = StockMovement.objects.filter(stock_id=c.stock_id, kind="reserved")
            assert reserved_moves.count() == UNITS
            # each movement's after-value is unique: every one saw its own change only
            assert sorted(reserved_moves.values_list("reserved_after", flat=True)) == list(
                range(1, UNITS + 1)
            )
            # and low stock was announced exactly once, by the reservation that took the last unit
            lows = EventRecord.objects.filter(name="inventory.low", payload__sku=c.sku)
            assert [e.payload["available"] for e in lows] == [0]


def test_concurrent_commits_of_one_reservation_sell_it_once(committed_stock, django_db_blocker):
    c = committed_stock

    with django_db_blocker.unblock():
        with schema_context(c.schema):
            reservation = inventory_reserve(variant=_variant(c), quantity=5, reference="order-once")

        def commit(_n: int) -> str:
            try:
                with schema_context(c.schema):
                    return inventory_commit(reservation=reservation).status
            finally:
                connection.close()

        # when ten workers commit the same reservation at once
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(commit, range(10)))

        # then all see it committed, and the units left stock once
        assert statuses == ["committed"] * 10
        assert _numbers(c) == (UNITS - 5, 0)
        with schema_context(c.schema):
            assert StockMovement.objects.filter(stock_id=c.stock_id, kind="committed").count() == 1
