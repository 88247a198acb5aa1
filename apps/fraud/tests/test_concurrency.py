"""Two assessments of one order at the same moment leave one row.

Each thread has its own PostgreSQL connection and its own transaction, so they need committed
rows: like apps/payments/tests/test_webhook_concurrency.py, this module works outside the
rolled-back test transaction (a TransactionTestCase-style flush, `transaction=True`, would also
empty the shared stores), commits one order in store alpha and removes it afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.core.models import EventRecord
from apps.fraud import services
from apps.fraud.models import RiskAssessment
from apps.fraud.tests.factories import paid_order
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order, OrderEvent, OrderNumberCounter
from apps.tenants.models import Tenant

pytestmark = pytest.mark.slow

THREADS = 2


@pytest.fixture
def committed_order(django_db_setup, django_db_blocker) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        schema = Tenant.objects.get(slug="alpha").schema_name
        with schema_context(schema):
            # The order takes a number; other tests count on alpha's numbers, so it goes back.
            last_number = OrderNumberCounter.objects.values_list("last_number", flat=True).first()
            # 25 (disposable email) + 25 (high-risk country) = 50: medium, a timeline entry, no event
            order = paid_order(email="race@mailinator.com", shipping="NG")
        try:
            yield schema, order.pk
        finally:
            with schema_context(schema):
                EventRecord.objects.filter(payload__order=str(order.uuid)).delete()
                RiskAssessment.objects.filter(order_id=order.pk).delete()
                OrderEvent.objects.filter(order_id=order.pk).delete()
                # Only the rows above point at this bare order; a cascading delete would also
                # ask every app with an order relation, whatever state its tables are in.
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM orders_order WHERE id = %s", [order.pk])
                if last_number is None:
                    OrderNumberCounter.objects.all().delete()
                else:
                    OrderNumberCounter.objects.update(last_number=last_number)
            connection.set_schema_to_public()  # type: ignore[attr-defined]


def test_two_simultaneous_assessments_make_one_row(committed_order, django_db_blocker, monkeypatch):
    schema, order_id = committed_order
    barrier = threading.Barrier(THREADS)
    real_facts = services._facts

    def facts_then_wait(order):  # type: ignore[no-untyped-def]
        found = real_facts(order)
        barrier.wait(timeout=30)  # both passed the "already assessed?" check: both will insert
        return found

    monkeypatch.setattr(services, "_facts", facts_then_wait)

    def assess(_: int) -> int:
        try:
            with schema_context(schema):
                return services.order_risk_assess(Order.objects.get(pk=order_id)).pk
        finally:
            connection.close()

    with django_db_blocker.unblock():
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            ids = list(pool.map(assess, range(THREADS)))
        with schema_context(schema):
            assert len(set(ids)) == 1
            assert RiskAssessment.objects.filter(order_id=order_id).count() == 1
            assessment = RiskAssessment.objects.get(order_id=order_id)
            assert assessment.score == 50
            assert (
                Order.objects.get(pk=order_id).events.filter(kind=OrderEventKind.RISK_ASSESSED).count() == 1
            )
