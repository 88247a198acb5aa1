"""Two (or more) first orders of one new email at the same moment meet one customer record, are
both counted, and announce the customer once.

The threads need committed rows, so this module works outside the usual rolled-back test
transaction (no `db` fixture): it uses a unique email in store alpha and removes what it made.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.customers.services import customer_for_order, customer_order_recorded
from apps.tenants.models import Tenant

pytestmark = pytest.mark.slow

WORKERS = 8


@pytest.fixture
def race(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        schema = Tenant.objects.get(slug="alpha").schema_name
        email = f"race-{uuid.uuid4().hex[:8]}@example.com"
        try:
            yield schema, email
        finally:
            with schema_context(schema):
                EventRecord.objects.filter(payload__email=email).delete()
                Customer.objects.filter(email=email).delete()


def test_concurrent_first_orders_of_one_email_make_one_customer(race, django_db_blocker):
    schema, email = race
    start = threading.Barrier(WORKERS)
    placed_at = timezone.now()

    def order(n: int) -> int:
        try:
            start.wait(timeout=30)
            with schema_context(schema), transaction.atomic():
                # the email in a different case each time: still one customer
                typed = email.upper() if n % 2 else email
                customer = customer_for_order(email=typed, user=None, name=f"Racer {n}")
                customer_order_recorded(customer=customer, total=Decimal("10.500"), placed_at=placed_at)
                return customer.pk
        finally:
            connection.close()

    with django_db_blocker.unblock():
        # when 8 first orders of the same new email are placed at once
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            ids = list(pool.map(order, range(WORKERS)))
        with schema_context(schema):
            # then every order got the same record, which counts all of them
            customer = Customer.objects.get(email=email)
            assert set(ids) == {customer.pk}
            assert (customer.orders_count, customer.total_spent) == (WORKERS, Decimal("10.500") * WORKERS)
            # and the customer was announced exactly once
            assert EventRecord.objects.filter(name="customer.created", payload__email=email).count() == 1
