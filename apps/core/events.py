"""Domain events: emit from services, subscribe from apps.

`event_emit` writes the event into the store's event log inside the caller's transaction and
hands it to Celery only once that transaction commits, so a rolled-back change never announces
itself and a committed one is never lost (a pending record can be re-dispatched). The dispatcher
task records one `EventDelivery` per subscriber and runs each in its own task.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.core.tenancy import current_schema, require_store

Handler = Callable[["Event"], None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    payload: dict[str, Any]
    schema_name: str


_subscribers: dict[str, dict[str, Handler]] = defaultdict(dict)
# Subscribers that only care in some stores (outbound webhooks: stores with endpoints) say so
# with `when`, asked in the store at dispatch time: no delivery is recorded where it says no.
_conditions: dict[str, Callable[[str], bool]] = {}


def subscriber_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(*event_names: str, when: Callable[[str], bool] | None = None) -> Callable[[Handler], Handler]:
    """Register `handler` for the named events (`"*"` for all). Idempotent on reload. `when`,
    given the event's name in the current store, decides whether this store's event is worth a
    delivery at all (one cheap query, instead of a recorded delivery and a task per event)."""

    def register(handler: Handler) -> Handler:
        for name in event_names:
            _subscribers[name][subscriber_name(handler)] = handler
        if when is not None:
            _conditions[subscriber_name(handler)] = when
        return handler

    return register


def subscribers_for(event_name: str) -> dict[str, Handler]:
    return {**_subscribers.get("*", {}), **_subscribers.get(event_name, {})}


def subscribers_applying(event_name: str) -> list[str]:
    """The names of the subscribers that want `event_name` in the current store, sorted."""
    return sorted(
        name
        for name in subscribers_for(event_name)
        if name not in _conditions or _conditions[name](event_name)
    )


def event_emit(*, name: str, payload: dict[str, Any]) -> uuid.UUID:
    """Record `name` in the current store's event log and dispatch it after commit."""
    return event_emit_many(name=name, payloads=[payload])[0]


def event_emit_many(*, name: str, payloads: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Record many `name` events in one INSERT and dispatch each after commit, as `event_emit` does.

    For bulk writers (imports) where one INSERT per event would dominate: every event still gets
    its own record and its own `event_dispatch` message (so its deliveries are recorded and
    retried one by one); only the INSERT and the on-commit hook are shared.
    """
    from apps.core.models import EventRecord
    from apps.core.tasks import event_dispatch

    require_store()  # events belong to a store: never recorded in the platform's schema
    if not payloads:
        return []
    records = EventRecord.objects.bulk_create(
        [EventRecord(name=name, payload=payload) for payload in payloads]
    )
    event_ids = [str(record.id) for record in records]
    # The commit may happen after the caller left the store's context (an outer transaction),
    # so the schema is fixed now rather than read from the connection at send time.
    schema = current_schema()

    def dispatch() -> None:
        for event_id in event_ids:
            try:
                event_dispatch.apply_async(args=(event_id,), headers={"_schema_name": schema})
            except Exception:
                # The record stays pending and `events_redispatch_pending` sends it again later;
                # the other events still go out.
                logger.exception("could not dispatch event %s in %s", event_id, schema)

    transaction.on_commit(dispatch)
    return [record.id for record in records]
