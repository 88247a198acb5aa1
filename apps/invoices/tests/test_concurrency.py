"""Invoice numbers under real concurrency: threads, each with its own PostgreSQL connection,
issuing invoices in a store of their own at the same moment.

- 20 orders paid at once get invoice numbers 1..20: distinct, none skipped;
- one order whose order.paid arrives ten times at once gets one invoice;
- issues rolled back while others commit leave no gap in the numbers.

The threads need committed rows, so this module provisions a throwaway store (cloned from the
template schema, as in production), works outside the rolled-back test transaction, and drops
the store at the end (as apps/orders/tests/test_concurrency.py does).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.invoices.models import Invoice, InvoiceCounter
from apps.invoices.services import invoice_issue
from apps.invoices.subscribers import invoice_on_order_paid
from apps.invoices.tests.factories import order_event
from apps.orders.models import Order
from apps.orders.tests.factories import order_row
from tests.fixtures import throwaway_store

pytestmark = pytest.mark.slow

ORDERS = 20
SAME_ORDER = 10


@pytest.fixture(scope="module")
def race_store(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A provisioned store of its own (committed); its schema and row are removed after."""
    with django_db_blocker.unblock(), throwaway_store("Invoice race") as schema:
        yield schema


def _outcome(func: Callable[[], str]) -> str:
    try:
        return func()
    except Exception as exc:
        return f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


def _run(count: int, body: Callable[[int], str]) -> Counter[str]:
    start = threading.Barrier(count)

    def one(n: int) -> str:
        def work() -> str:
            start.wait(timeout=30)
            return body(n)

        return _outcome(work)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(one, range(count)))


def test_twenty_orders_paid_at_once_get_invoice_numbers_1_to_20(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            orders = [order_row(status="paid", email=f"race{n}@example.com") for n in range(ORDERS)]
            events = [order_event("order.paid", order) for order in orders]

        def pay(n: int) -> str:
            with schema_context(race_store):
                invoice_on_order_paid(events[n])
            return "issued"

        outcomes = _run(ORDERS, pay)
        assert outcomes == {"issued": ORDERS}
        with schema_context(race_store):
            invoices = list(Invoice.objects.order_by("sequence"))
            # then every order has one invoice and the numbers are 1..20, none skipped or repeated
            assert [invoice.sequence for invoice in invoices] == list(range(1, ORDERS + 1))
            assert len({invoice.number for invoice in invoices}) == ORDERS
            assert sorted(invoice.order_id for invoice in invoices) == sorted(order.pk for order in orders)
            assert all(invoice.file.name for invoice in invoices)
            assert InvoiceCounter.objects.get(kind="invoice").last_number == ORDERS


def test_one_order_paid_event_delivered_ten_times_at_once_gives_one_invoice(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            order = order_row(status="paid", email="twice@example.com")
            before = (
                InvoiceCounter.objects.filter(kind="invoice").values_list("last_number", flat=True).first()
                or 0
            )
            event = order_event("order.paid", order)

        def deliver(n: int) -> str:
            with schema_context(race_store):
                invoice_on_order_paid(event)
            return "delivered"

        assert _run(SAME_ORDER, deliver) == {"delivered": SAME_ORDER}
        with schema_context(race_store):
            assert Invoice.objects.filter(order=order).count() == 1
            # and no number was used up by the nine deliveries that found it issued
            assert InvoiceCounter.objects.get(kind="invoice").last_number == before + 1
            assert Order.objects.get(pk=order.pk).events.filter(kind="invoice_issued").count() == 1


def test_issues_rolled_back_at_the_same_time_leave_no_gap(race_store, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(race_store):
            orders = [order_row(status="paid", email=f"rollback{n}@example.com") for n in range(ORDERS)]
            before = InvoiceCounter.objects.get(kind="invoice").last_number

        def issue(n: int) -> str:
            with schema_context(race_store), transaction.atomic():
                invoice_issue(order_id=orders[n].pk)
                if n % 3 == 0:
                    raise RuntimeError("rolled back on purpose")  # gives its number back
            return "issued"

        outcomes = _run(ORDERS, issue)
        rolled_back = len([n for n in range(ORDERS) if n % 3 == 0])
        assert outcomes == {
            "issued": ORDERS - rolled_back,
            "error:RuntimeError:rolled back on purpose": rolled_back,
        }
        with schema_context(race_store):
            sequences = sorted(Invoice.objects.filter(order__in=orders).values_list("sequence", flat=True))
            assert sequences == list(range(before + 1, before + 1 + ORDERS - rolled_back))
