"""The refund page's form token under real concurrency: threads, each with its own PostgreSQL
connection, post the same refund at once, and the order is refunded once.

The threads need committed rows. `django_db(transaction=True)` would flush the database after
the test, and with it the shared stores alpha and beta, so, like apps/orders/tests/
test_concurrency.py, this module provisions a throwaway store (a schema cloned from the
template, as in production), commits outside the usual rolled-back test transaction, and drops
the store at the end.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django_tenants.utils import schema_context

from apps.orders.models import Order, Refund
from apps.payments.models import DummyRefund
from apps.returns.models import RefundRequest
from apps.returns.services import RefundInput, RefundLineInput, order_refund_issue
from apps.returns.tests.factories import paid_order
from tests.fixtures import throwaway_store

pytestmark = pytest.mark.slow

THREADS = 8


@pytest.fixture(scope="module")
def race_store(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A provisioned store of its own (committed); its schema and row are removed after."""
    with django_db_blocker.unblock(), throwaway_store("Refund race") as schema:
        yield schema


def test_the_same_refund_posted_by_threads_at_once_refunds_once(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            order = paid_order(quantity=3)  # 3 x 20.00 + 5.00
            line = order.lines.get()
        token = uuid.uuid4()
        start = threading.Barrier(THREADS)

        def refund(_n: int) -> str:
            try:
                start.wait(timeout=30)
                with schema_context(race_store):
                    done = order_refund_issue(
                        order_id=order.pk,
                        data=RefundInput(token=token, lines=(RefundLineInput(line.pk, 2),), reason="race"),
                    )
                    return "replayed" if done.replayed else "refunded"
            except DatabaseError as exc:
                return f"database:{type(exc).__name__}"
            except Exception as exc:
                return f"error:{type(exc).__name__}:{exc}"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            outcomes = Counter(pool.map(refund, range(THREADS)))

        with schema_context(race_store):
            fresh = Order.objects.get(pk=order.pk)
            assert outcomes == {"refunded": 1, "replayed": THREADS - 1}
            assert fresh.amount_refunded == Decimal("40.00")
            assert RefundRequest.objects.filter(order=fresh).count() == 1
            assert Refund.objects.filter(order=fresh).count() == 1
            assert DummyRefund.objects.filter(payment__reference=str(order.uuid)).count() == 1
