"""Purchasing tasks: placing one purchase order with its supplier, inside one store.

`purchase_order_place_task` makes one attempt (`apps.purchasing.services.purchase_order_place`)
and, when it failed in a way that may pass, retries itself after the backoff the service chose
(1, 2, 4 ... minutes); the service counts attempts and gives up into `needs_attention`, so the
task never loops on its own. A lost task is queued again by the tracking job's sweep.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.core.jobs import store_task
from apps.purchasing.services import purchase_order_place

# Celery's own cap, above any store's `max_attempts` (the service decides when to stop).
TASK_MAX_RETRIES = 25


@shared_task(
    bind=True, max_retries=TASK_MAX_RETRIES, time_limit=5 * 60, soft_time_limit=4 * 60, acks_late=True
)
@store_task
def purchase_order_place_task(self: Any, purchase_order_id: int) -> dict[str, Any]:
    outcome = purchase_order_place(purchase_order_id=purchase_order_id)
    if outcome.retry_in is not None:
        if self.request.is_eager:
            # Run in-process (tests, a broker-less setup): `apply()` runs a returned retry at
            # once, where a raised one would propagate as an error.
            return self.retry(countdown=outcome.retry_in, throw=False)  # type: ignore[no-any-return]
        raise self.retry(countdown=outcome.retry_in)
    return {"purchase_order": purchase_order_id, "status": outcome.status}
