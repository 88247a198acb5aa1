"""Domain events: emit from services, subscribe from apps.

`event_emit` writes the event into the store's event log inside the caller's transaction and
hands it to Celery only once that transaction commits, so a rolled-back change never announces
itself and a committed one is never lost (a pending record can be re-dispatched). The dispatcher
task records one `EventDelivery` per subscriber and runs each in its own task.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.core.tenancy import current_schema

Handler = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    payload: dict[str, Any]
    schema_name: str


_subscribers: dict[str, dict[str, Handler]] = defaultdict(dict)


def subscriber_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(*event_names: str) -> Callable[[Handler], Handler]:
    """Register `handler` for the named events (`"*"` for all). Idempotent on reload."""

    def register(handler: Handler) -> Handler:
        for name in event_names:
            _subscribers[name][subscriber_name(handler)] = handler
        return handler

    return register


def subscribers_for(event_name: str) -> dict[str, Handler]:
    return {**_subscribers.get("*", {}), **_subscribers.get(event_name, {})}


def event_emit(*, name: str, payload: dict[str, Any]) -> uuid.UUID:
    """Record `name` in the current store's event log and dispatch it after commit."""
    from apps.core.models import EventRecord
    from apps.core.tasks import event_dispatch

    if current_schema() == "public":
        raise RuntimeError("Events belong to a store; emit them inside a tenant context.")
    record = EventRecord.objects.create(name=name, payload=payload)
    event_id = str(record.id)
    # The commit may happen after the caller left the store's context (an outer transaction),
    # so the schema is fixed now rather than read from the connection at send time.
    schema = current_schema()
    transaction.on_commit(
        lambda: event_dispatch.apply_async(args=(event_id,), headers={"_schema_name": schema})
    )
    return record.id
