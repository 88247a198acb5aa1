"""The same Stripe event delivered 10 times at once has one effect.

Ten threads, each with its own PostgreSQL connection, post the same signed event to the
platform's webhook endpoint at the same moment; the handler is slow so the deliveries overlap.
The threads need committed rows, so this module works outside the usual rolled-back test
transaction (no `db` fixture; a TransactionTestCase-style flush would also empty the shared
stores): it routes a uniquely named account to store alpha and removes its rows afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.payments.gateways.base import PaymentUpdate
from apps.payments.platform.models import ConnectedAccountRoute, StripeWebhookEvent
from apps.tenants.models import Tenant

pytestmark = pytest.mark.slow

DELIVERIES = 10


@pytest.fixture
def routed_account(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        account = f"acct_race{uuid.uuid4().hex[:12]}"
        ConnectedAccountRoute.objects.create(account_id=account, tenant=Tenant.objects.get(slug="alpha"))
        try:
            yield account
        finally:
            StripeWebhookEvent.objects.filter(account=account).delete()
            ConnectedAccountRoute.objects.filter(account_id=account).delete()


def test_ten_simultaneous_deliveries_of_one_event_have_one_effect(
    routed_account, fake_stripe, monkeypatch, django_db_blocker
):
    from apps.payments import updates

    effects: list[PaymentUpdate] = []
    effects_lock = threading.Lock()

    def slow_handler(update: PaymentUpdate) -> None:
        time.sleep(0.3)  # the other deliveries arrive while this one holds the event
        with effects_lock:
            effects.append(update)

    monkeypatch.setattr(updates, "_handlers", {"slow": slow_handler})
    intent = {"id": "pi_race", "object": "payment_intent", "amount": 1000, "amount_received": 1000,
              "currency": "eur", "status": "succeeded", "last_payment_error": None, "latest_charge": None}  # fmt: skip
    event = fake_stripe.event_build("payment_intent.succeeded", intent, account=routed_account)
    body, signature = fake_stripe.webhook_request(event)
    barrier = threading.Barrier(DELIVERIES)

    def deliver(_: int) -> int:
        client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/stripe/connect/webhook/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            return response.status_code
        finally:
            connection.close()

    with django_db_blocker.unblock():
        with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
            statuses = list(pool.map(deliver, range(DELIVERIES)))
        stored = StripeWebhookEvent.objects.get(event_id=event["id"])

    assert statuses == [200] * DELIVERIES
    assert len(effects) == 1
    assert effects[0].external_id == "pi_race"
    assert stored.status == StripeWebhookEvent.Status.PROCESSED
    assert stored.attempts == 1
