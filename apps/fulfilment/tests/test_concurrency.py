"""Two members of staff shipping the last units of an order at the same moment: one wins, the
other is refused, and the units ship once.

The threads need committed rows (each has its own connection), so this module provisions a
throwaway store, works outside the usual rolled-back test transaction, and drops the store at
the end, as apps/orders/tests/test_concurrency.py does.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection
from django_tenants.utils import schema_context

from apps.fulfilment.errors import FulfilmentError
from apps.fulfilment.models import Fulfilment, FulfilmentLine
from apps.fulfilment.services import fulfilment_create
from apps.fulfilment.tests.factories import emitted, paid_order
from apps.orders.models import Order
from tests.fixtures import throwaway_store

pytestmark = pytest.mark.slow
RACERS = 2


@pytest.fixture(scope="module")
def race_store(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A provisioned store of its own (committed); its schema and row are removed after."""
    with django_db_blocker.unblock(), throwaway_store("Fulfilment race") as schema:
        yield schema


def test_two_fulfilments_of_the_last_units_at_once_ship_them_once(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            order = paid_order(3)
            line = order.lines.get()
            fulfilment_create(order=order, lines=[(line, 1)], carrier="dhl", tracking_number="1111111111")
        start = threading.Barrier(RACERS)

        def race(n: int) -> str:
            try:
                with schema_context(race_store):
                    mine = Order.objects.get(pk=order.pk)
                    start.wait(timeout=30)
                    fulfilment_create(
                        order=mine,
                        lines=[(mine.lines.get(), 2)],
                        carrier="dhl",
                        tracking_number=f"222222222{n}",
                    )
                return "shipped"
            except FulfilmentError as error:
                return f"refused:{error.code}"
            except DatabaseError as error:
                return f"database:{error}"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            outcomes = Counter(pool.map(race, range(RACERS)))
        assert outcomes == {"shipped": 1, "refused:quantity_too_large": 1}
        with schema_context(race_store):
            assert Fulfilment.objects.filter(order_id=order.pk).count() == 2
            assert (
                sum(
                    FulfilmentLine.objects.filter(fulfilment__order_id=order.pk).values_list(
                        "quantity", flat=True
                    )
                )
                == 3
            )
            assert Order.objects.get(pk=order.pk).status == "fulfilled"
            assert len(emitted("order.fulfilled")) == 2
