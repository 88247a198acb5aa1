"""Order numbers: #1001, #1002, ... per store, without gaps, under any concurrency.

The number comes from one counter row per store schema, bumped by a single
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` inside the transaction that creates the order.
The statement creates the row on a store's first order and otherwise increments it; either way
the row stays locked by that transaction until it commits or rolls back. A concurrent order
waits for that, then increments the committed value; a rolled-back order leaves the counter
where it was. So every committed order gets the next number and no number is skipped.

Because the row is held until commit, callers take the number as late as they can in their
transaction (placement does it after the gateway answered), so orders only queue for the
counter for the last few statements of their transaction.
"""

from __future__ import annotations

from django.db import connection

from apps.orders.models import FIRST_ORDER_NUMBER, ORDER_NUMBER_COUNTER_PK, OrderNumberCounter


def order_number_next() -> int:
    """The next order number of the current store; must run inside the order's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("order_number_next() must run inside the transaction that creates the order")
    table = connection.ops.quote_name(OrderNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, last_number) VALUES (%s, %s) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (id) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [ORDER_NUMBER_COUNTER_PK, FIRST_ORDER_NUMBER],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])
