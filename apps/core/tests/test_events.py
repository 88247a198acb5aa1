from __future__ import annotations

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.core import events
from apps.core.events import Event, event_emit, event_emit_many, subscribe
from apps.core.models import EventDelivery, EventRecord
from apps.core.tenancy import NotInStoreError

pytestmark = pytest.mark.django_db

received: list[tuple[str, str, str]] = []


@subscribe("test.happened")
def _record(event: Event) -> None:
    received.append((event.name, event.schema_name, event.payload["n"]))


@subscribe("test.happened")
def _explode(event: Event) -> None:
    raise ValueError("subscriber bug")


@pytest.fixture(autouse=True)
def _clear():
    received.clear()


def test_an_event_is_logged_and_delivered_to_each_subscriber_with_its_status(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.tenant.schema_name):
        # when a service emits an event and its transaction commits
        with django_capture_on_commit_callbacks(execute=True):
            event_id = event_emit(name="test.happened", payload={"n": "1"})
        # then the event is in the store's log, dispatched
        record = EventRecord.objects.get(id=event_id)
        assert record.status == EventRecord.Status.DISPATCHED
        # and every subscriber's delivery is recorded with its own outcome
        deliveries = {d.subscriber.rsplit(".", 1)[-1]: d for d in record.deliveries.all()}
        assert deliveries["_record"].status == EventDelivery.Status.SUCCEEDED
        assert deliveries["_explode"].status == EventDelivery.Status.FAILED
        assert "ValueError: subscriber bug" in deliveries["_explode"].last_error
        assert deliveries["_explode"].attempts == 1
    assert received == [("test.happened", alpha.tenant.schema_name, "1")]


def test_a_rolled_back_change_announces_nothing(alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    event_emit(name="test.happened", payload={"n": "2"})
                    raise RuntimeError("rollback")
            except RuntimeError:
                pass
        assert callbacks == []
        assert not EventRecord.objects.filter(name="test.happened").exists()
    assert received == []


def test_events_cannot_be_emitted_outside_a_store(db):
    with pytest.raises(NotInStoreError):
        event_emit(name="test.happened", payload={})


def test_dispatch_is_idempotent(alpha, django_capture_on_commit_callbacks):
    from apps.core.tasks import event_dispatch

    with schema_context(alpha.tenant.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            event_id = event_emit(name="test.happened", payload={"n": "3"})
        event_dispatch(str(event_id))  # a redelivered message
        assert EventDelivery.objects.filter(event_id=event_id).count() == len(
            events.subscribers_applying("test.happened")
        )
    assert received.count(("test.happened", alpha.tenant.schema_name, "3")) == 1


def test_many_events_are_logged_in_one_insert_and_each_is_delivered_like_event_emit(
    alpha, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with schema_context(alpha.tenant.schema_name):
        EventRecord.objects.exists()  # the connection has its search_path set
        # when a bulk writer emits three events at once and its transaction commits
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            django_assert_num_queries(1),
        ):
            event_ids = event_emit_many(
                name="test.happened", payloads=[{"n": "m1"}, {"n": "m2"}, {"n": "m3"}]
            )
        # then they were written in one INSERT, with one on-commit hook for all of them
        assert len(callbacks) == 1
        assert EventRecord.objects.filter(id__in=event_ids, status=EventRecord.Status.PENDING).count() == 3
        callbacks[0]()
        # and each one was dispatched on its own, with every subscriber's delivery recorded
        for event_id in event_ids:
            record = EventRecord.objects.get(id=event_id)
            assert record.status == EventRecord.Status.DISPATCHED
            outcomes = {d.subscriber.rsplit(".", 1)[-1]: d.status for d in record.deliveries.all()}
            assert outcomes["_record"] == EventDelivery.Status.SUCCEEDED
            assert outcomes["_explode"] == EventDelivery.Status.FAILED
    assert sorted(received) == [("test.happened", alpha.tenant.schema_name, n) for n in ("m1", "m2", "m3")]


def test_many_events_rolled_back_announce_nothing_and_none_is_a_no_op(
    alpha, django_capture_on_commit_callbacks
):
    with schema_context(alpha.tenant.schema_name):
        assert event_emit_many(name="test.happened", payloads=[]) == []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    event_emit_many(name="test.happened", payloads=[{"n": "x"}])
                    raise RuntimeError("rollback")
            except RuntimeError:
                pass
        assert callbacks == []
        assert not EventRecord.objects.filter(name="test.happened").exists()
    with pytest.raises(NotInStoreError):
        event_emit_many(name="test.happened", payloads=[{"n": "public"}])
    assert received == []


def test_shopper_signup_emits_customer_created_and_sends_a_welcome_email(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    client = Client(HTTP_HOST=alpha.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "new-shopper@example.com",
                "password1": "a-long-pass-123",
                "password2": "a-long-pass-123",
            },
        )
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        event = EventRecord.objects.get(name="customer.created")
        assert event.payload["email"] == "new-shopper@example.com"
        assert (
            event.deliveries.get(subscriber__startswith="apps.notifications.").status
            == EventDelivery.Status.SUCCEEDED
        )
    subjects = [m.subject for m in mailoutbox]
    assert f"Welcome to {alpha.tenant.name}" in subjects
    confirm = next(m for m in mailoutbox if "confirm" in m.body.lower())
    assert f"http://{alpha.host}/accounts/confirm-email/" in confirm.body


def test_a_guest_customer_record_gets_no_welcome_email(alpha, mailoutbox, django_capture_on_commit_callbacks):
    """A guest's first order makes a customer record (customer.created without an account):
    there is no account to welcome them to."""
    from apps.customers.services import customer_for_order

    with schema_context(alpha.tenant.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            customer_for_order(email="guest@example.com", user=None, name="Guest Shopper")
        event = EventRecord.objects.get(name="customer.created")
        assert event.payload["user_uuid"] == ""
        assert (
            event.deliveries.get(subscriber__startswith="apps.notifications.").status
            == EventDelivery.Status.SUCCEEDED
        )
    assert mailoutbox == []


def test_events_left_pending_are_dispatched_again(alpha):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.services import events_redispatch_pending

    with schema_context(alpha.tenant.schema_name):
        # given an event whose dispatch never reached the broker ten minutes ago
        stuck = EventRecord.objects.create(name="test.happened", payload={"n": "4"})
        EventRecord.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=10))
        fresh = EventRecord.objects.create(name="test.happened", payload={"n": "5"})
        # when housekeeping runs
        assert events_redispatch_pending() == 1
        # then the stuck one is delivered; the fresh one is left to its own on-commit dispatch
        assert EventRecord.objects.get(pk=stuck.pk).status == EventRecord.Status.DISPATCHED
        assert EventRecord.objects.get(pk=fresh.pk).status == EventRecord.Status.PENDING
    assert ("test.happened", alpha.tenant.schema_name, "4") in received


def test_a_subscriber_with_a_condition_gets_no_delivery_where_it_says_no(
    alpha, django_capture_on_commit_callbacks
):
    """Outbound webhooks subscribe to every event, but only stores with an endpoint record a
    delivery for them."""
    from apps.core.events import subscribers_applying
    from apps.integrations.models import WebhookEndpoint

    webhooks = "apps.integrations.subscribers.webhooks_send"
    with schema_context(alpha.tenant.schema_name):
        assert webhooks not in subscribers_applying("product.created")
        WebhookEndpoint.objects.create(url="https://hooks.example.com/x", event_types=["order.paid"])
        assert webhooks not in subscribers_applying("product.created")
        assert webhooks in subscribers_applying("order.paid")
        with django_capture_on_commit_callbacks(execute=True):
            event_emit(name="product.created", payload={"product": "x"})
        record = EventRecord.objects.get(name="product.created")
        assert not EventDelivery.objects.filter(event=record, subscriber=webhooks).exists()
