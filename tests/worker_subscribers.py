"""Event subscribers that only the real worker of `tests/test_celery_worker.py` loads
(`celery worker --include tests.worker_subscribers`), never the test process: each one checks
where and how the worker handles an event, and raises (a failed delivery) when it is wrong."""

from __future__ import annotations

from apps.core.events import Event, subscribe
from apps.core.tenancy import current_schema


@subscribe("order.paid")
def order_paid_seen(event: Event) -> None:
    """Succeeds only in the schema of the store whose order was paid: the order the event names
    must be there, paid, with the number the event carries."""
    from apps.orders.models import Order

    order = Order.objects.filter(uuid=str(event.payload.get("order") or "")).first()
    if order is None:
        raise LookupError(f"order {event.payload.get('order')} is not in {current_schema()}")
    if order.status != "paid" or order.number != event.payload.get("number"):
        raise ValueError(
            f"order #{order.number} is {order.status}, the event says #{event.payload.get('number')}"
        )
