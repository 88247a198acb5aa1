"""Two deliveries of one billing event at the same moment (Stripe retries while the first is
still being handled): both find the event unrecorded, one records it, the other waits on the
event's unique id, hits it when the first commits and answers "duplicate"
(the IntegrityError path of apps.billing.stripe_webhooks.billing_event_handle). Committed rows,
threads with their own connections."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import connection
from djstripe.models import Event

from apps.billing import stripe_webhooks
from tests.fixtures import sessions_waiting_on_a_lock


def test_two_deliveries_of_one_event_at_once_record_it_once(django_db_setup, django_db_blocker, monkeypatch):  # type: ignore[no-untyped-def]
    # given: an event for a customer no merchant has yet (recorded, applied later)
    event: dict[str, Any] = {
        "id": f"evt_race_{uuid.uuid4().hex[:12]}",
        "type": "customer.subscription.updated",
        "created": 1_900_000_000,
        "data": {
            "object": {"id": "sub_race", "customer": f"cus_race_{uuid.uuid4().hex[:8]}", "status": "active"}
        },
    }
    recorded = threading.Event()
    real_event_customer = stripe_webhooks.event_customer

    def event_customer_held_open(data: Any) -> str:
        # Runs after the event row is written, inside the first delivery's transaction: keep it
        # open until the second delivery waits on the row's unique id (or has finished, were
        # there no such wait: then both would have recorded it).
        if threading.current_thread().name == "first":
            recorded.set()
            for _ in range(300):
                if sessions_waiting_on_a_lock() or "second" in outcomes:
                    break
                threading.Event().wait(0.05)
        return real_event_customer(data)

    monkeypatch.setattr(stripe_webhooks, "event_customer", event_customer_held_open)
    outcomes: dict[str, str] = {}

    def deliver(name: str) -> None:
        try:
            if name == "second":
                recorded.wait(timeout=30)
            outcomes[name] = stripe_webhooks.billing_event_handle(data=event)
        except Exception as exc:  # any other outcome is named in the assertion
            outcomes[name] = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()

    with django_db_blocker.unblock():
        try:
            # when
            threads = [
                threading.Thread(target=deliver, args=(name,), name=name) for name in ("first", "second")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            # then: the first recorded it (no merchant: ignored for now), the second is a duplicate
            assert outcomes == {"first": "ignored", "second": "duplicate"}
            assert Event.objects.filter(id=event["id"]).count() == 1
        finally:
            Event.objects.filter(id=event["id"]).delete()
