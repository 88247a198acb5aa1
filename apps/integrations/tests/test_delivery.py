"""Deliveries against a real receiver on loopback: what each answer does to the schedule, and
that nothing is lost (every delivery ends delivered or dead-lettered).

Time is driven, never slept: the first attempt runs in the eager send task at the real time,
every later one is made by calling `delivery_attempt` with ``now`` = the delivery's own
``next_attempt_at``, as the sweeper job would when that time comes.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from django.utils import timezone

from apps.core.events import event_emit
from apps.integrations.enums import DeliveryStatus, DisabledReason, IntegrationErrorCode
from apps.integrations.errors import IntegrationError
from apps.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.integrations.services import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    deliveries_purge,
    deliveries_queue_due,
    delivery_attempt,
    delivery_resend,
    endpoint_enable,
    retry_after_parse,
    webhooks_fan_out,
)
from apps.integrations.services import deliveries as deliveries_module
from apps.integrations.tests.factories import attempted, make_delivery, make_endpoint
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _fan_out(capture, event_type="order.paid", payload=None, event_id=None):
    with capture(execute=True):
        return webhooks_fan_out(
            event_id=event_id or uuid.uuid4(), event_type=event_type, payload=payload or {"order": "o-1"}
        )


def _drive(delivery_id: int, *, limit: int = 20) -> WebhookDelivery:
    """Make every further attempt at the time it is planned, until the delivery settles."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    for _ in range(limit):
        if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
            break
        assert delivery.next_attempt_at is not None
        delivery_attempt(delivery_id=delivery_id, now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    return delivery


def _gaps(delivery: WebhookDelivery) -> list[timedelta]:
    times = sorted(delivery.attempt_log.values_list("attempted_at", flat=True))
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@pytest.fixture
def no_jitter(monkeypatch):
    class Exact:
        @staticmethod
        def uniform(low, high):
            return (low + high) / 2

    monkeypatch.setattr(deliveries_module, "_random", Exact())


@pytest.fixture
def team(alpha):
    """An owner, an admin and a staff member of store alpha (only the first two get alerts)."""
    return [
        make_store_user(alpha, f"{role}-alerts@example.com", role=role)
        for role in ("owner", "admin", "staff")
    ]


def test_a_2xx_delivers_at_the_first_attempt(in_alpha, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(receiver.script("/ok", 201))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 201 and delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.last_success_at is not None and endpoint.failing_since is None
    attempt = delivery.attempt_log.get()
    assert attempt.request_headers["webhook-id"] == delivery.message_id
    assert '"type":"order.paid"' in attempt.request_excerpt
    assert '"received": true' in attempt.response_excerpt


def test_500_forever_follows_the_schedule_then_dead_letters_and_disables(
    in_alpha, receiver, team, mailoutbox, no_jitter, django_capture_on_commit_callbacks
):
    # given an endpoint that always answers 500
    endpoint = make_endpoint(receiver.script("/down", 500))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    # when every retry is made when planned
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _drive(delivery_id)
    # then it was tried 10 times on the documented schedule, and is dead-lettered, not lost
    assert delivery.status == DeliveryStatus.DEAD and delivery.dead_at is not None
    assert delivery.attempts == MAX_ATTEMPTS == 10
    assert _gaps(delivery) == list(RETRY_SCHEDULE)
    total = sum(RETRY_SCHEDULE, timedelta())
    assert timedelta(days=3) < total < timedelta(days=3, hours=4)
    # every attempt reached the receiver with the same message id
    hits = receiver.to("/down")
    assert len(hits) == 10 and {h.headers["webhook-id"] for h in hits} == {delivery.message_id}
    # three days without a success: the endpoint is disabled and the owner and admin told
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.FAILING
    [mail] = mailoutbox
    # the store's owners and admins (alpha's own owner too), not its staff
    assert {"admin-alerts@example.com", "owner-alerts@example.com", "owner-alpha@example.com"} == set(mail.to)
    assert endpoint.url in mail.body and f"/dashboard/webhooks/{endpoint.uuid}/" in mail.body


def test_the_jitter_stays_within_a_fifth_of_each_step(in_alpha, receiver, django_capture_on_commit_callbacks):
    make_endpoint(receiver.script("/down", 503))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = _drive(delivery_id)
    gaps = _gaps(delivery)
    assert len(gaps) == len(RETRY_SCHEDULE)
    for gap, step in zip(gaps, RETRY_SCHEDULE, strict=True):
        assert step * 0.8 <= gap <= step * 1.2, (gap, step)


def test_a_timeout_is_retried_and_then_delivered(
    in_alpha, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.slow_seconds = 1.0
    make_endpoint(receiver.script("/slow", "slow", 200))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.RETRYING
    first = delivery.attempt_log.get()
    assert first.error_code == "timeout" and first.status_code is None
    assert delivery.next_attempt_at is not None
    assert RETRY_SCHEDULE[0] * 0.8 <= delivery.next_attempt_at - first.attempted_at <= RETRY_SCHEDULE[0] * 1.2
    delivery = _drive(delivery_id)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2


def test_429_waits_as_long_as_retry_after_says(in_alpha, receiver, django_capture_on_commit_callbacks):
    make_endpoint(
        receiver.script("/busy", (429, {"Retry-After": "120"}), (429, {"Retry-After": "soon"}), 200)
    )
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    first = delivery.attempt_log.get()
    # exactly Retry-After, no jitter
    assert delivery.status == DeliveryStatus.RETRYING and delivery.last_status_code == 429
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at - first.attempted_at == timedelta(seconds=120)
    # an unreadable Retry-After falls back to the schedule (second step: 5 min)
    delivery_attempt(delivery_id=delivery_id, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None and delivery.last_attempt_at is not None
    gap = delivery.next_attempt_at - delivery.last_attempt_at
    assert RETRY_SCHEDULE[1] * 0.8 <= gap <= RETRY_SCHEDULE[1] * 1.2
    delivery = _drive(delivery_id)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3


def test_retry_after_as_a_date_and_its_bounds():
    now = timezone.now().replace(microsecond=0)
    assert retry_after_parse(format_datetime(now + timedelta(minutes=7), usegmt=True), now=now) == timedelta(
        minutes=7
    )
    assert retry_after_parse("0", now=now) == timedelta(seconds=1)
    assert retry_after_parse("999999999", now=now) == timedelta(hours=24)
    assert retry_after_parse(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == timedelta(
        seconds=1
    )
    assert retry_after_parse("", now=now) is None and retry_after_parse("Tuesday-ish", now=now) is None


def test_410_disables_the_endpoint_and_dead_letters(
    in_alpha, receiver, team, mailoutbox, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.script("/gone", 410))
    waiting = make_delivery(endpoint, next_attempt_at=timezone.now() + timedelta(hours=1))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.GONE
    assert endpoint.disabled_at is not None
    [mail] = mailoutbox
    assert "410" in mail.body
    # what was still waiting is dead-lettered at its turn, without a request
    result = attempted(delivery_id=waiting.pk, now=waiting.next_attempt_at)
    assert result.status == DeliveryStatus.DEAD and result.last_error
    assert len(receiver.requests) == 1
    # and new events no longer go to it
    assert _fan_out(django_capture_on_commit_callbacks) == []


def test_302_is_a_failure(in_alpha, receiver, django_capture_on_commit_callbacks):
    make_endpoint(receiver.script("/moved", (302, {"Location": "https://hooks.example.com/new"}), 200))
    [delivery_id] = _fan_out(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempt_log.get().error_code == "redirect"
    assert _drive(delivery_id).status == DeliveryStatus.SUCCEEDED


def test_nothing_is_lost_across_every_kind_of_answer(
    in_alpha, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.slow_seconds = 0.8
    answers: dict[str, list[Any]] = {
        "/ok": [200],
        "/flaky": [500, 502, 200],
        "/slow": ["slow", 200],
        "/busy": [(429, {"Retry-After": "30"}), 201],
        "/gone": [410],
        "/moved": [(302, {"Location": "/elsewhere"})],
        "/down": [500],
    }
    endpoints = {path: make_endpoint(receiver.script(path, *script)) for path, script in answers.items()}
    created: list[int] = []
    for number in range(3):
        created += _fan_out(django_capture_on_commit_callbacks, payload={"order": f"o-{number}"})
    # /gone disabled itself at the first event: the other two never went to it
    assert len(created) == 3 * len(answers) - 2
    for delivery_id in created:
        _drive(delivery_id)
    statuses = dict(WebhookDelivery.objects.values_list("id", "status"))
    assert set(statuses) == set(created)
    assert set(statuses.values()) <= {DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD}
    by_endpoint = {
        path: sorted(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True))
        for path, endpoint in endpoints.items()
    }
    for path in ("/ok", "/flaky", "/slow", "/busy"):
        assert by_endpoint[path] == ["succeeded"] * 3, path
    assert by_endpoint["/gone"] == ["dead"]
    assert by_endpoint["/moved"] == ["dead"] * 3 and by_endpoint["/down"] == ["dead"] * 3
    # every request the receiver saw is one logged attempt (and /elsewhere was never asked)
    assert len(receiver.requests) == WebhookAttempt.objects.count()
    assert receiver.to("/elsewhere") == []


def test_a_manual_resend_is_one_attempt_now_with_the_same_message_id(
    in_alpha, receiver, django_capture_on_commit_callbacks
):
    url = receiver.script("/hook", 500)
    endpoint = make_endpoint(url)
    delivery = make_delivery(endpoint, status=DeliveryStatus.DEAD, attempts=10, dead_at=timezone.now())
    receiver.script("/hook", 200)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 10
    [hit] = receiver.to("/hook")
    assert hit.headers["webhook-id"] == delivery.message_id
    assert delivery.attempt_log.get().trigger == "manual"
    # a failed resend of a dead delivery leaves it dead, with the attempt logged
    dead = make_delivery(endpoint, status=DeliveryStatus.DEAD, attempts=10, dead_at=timezone.now())
    receiver.script("/hook", 500)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(delivery=dead)
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD and dead.attempt_log.count() == 1


def test_a_disabled_endpoint_cannot_be_resent_to(in_alpha):
    endpoint = make_endpoint()
    delivery = make_delivery(endpoint, status=DeliveryStatus.DEAD)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="manual")
    delivery.refresh_from_db()
    with pytest.raises(IntegrationError) as refused:
        delivery_resend(delivery=delivery)
    assert refused.value.code == IntegrationErrorCode.ENDPOINT_DISABLED


def test_enabling_clears_the_failing_streak(
    in_alpha, receiver, team, mailoutbox, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.script("/down", 500))
    long_ago = timezone.now() - timedelta(days=3, seconds=1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.FAILING
    assert len(mailoutbox) == 1
    endpoint_enable(endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None and endpoint.disabled_reason == ""
    # a failure now starts a new streak, far from three days
    delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None


def test_an_attempt_is_made_once_even_when_asked_twice(in_alpha, receiver):
    endpoint = make_endpoint(receiver.script("/hook", 500))
    delivery = make_delivery(endpoint)
    now = timezone.now()
    assert delivery_attempt(delivery_id=delivery.pk, now=now) is not None
    # the sweeper asks again at the same moment: not due, nothing sent
    assert delivery_attempt(delivery_id=delivery.pk, now=now) is None
    assert len(receiver.requests) == 1
    # a delivered one is never sent again automatically
    done = make_delivery(endpoint, status=DeliveryStatus.SUCCEEDED)
    assert delivery_attempt(delivery_id=done.pk, now=now) is None


def test_fan_out_follows_subscriptions_and_is_idempotent(
    in_alpha, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[int] = []
    monkeypatch.setattr(deliveries_module, "_queue_send", lambda ids: sent.extend(ids))
    everything = make_endpoint("https://hooks.example.com/all")
    orders = make_endpoint("https://hooks.example.com/orders", event_types=["order.paid", "order.created"])
    make_endpoint("https://hooks.example.com/products", event_types=["product.created"])
    off = make_endpoint("https://hooks.example.com/off")
    WebhookEndpoint.objects.filter(pk=off.pk).update(is_active=False, disabled_reason="manual")
    event_id = uuid.uuid4()
    ids = webhooks_fan_out(event_id=event_id, event_type="order.paid", payload={"order": "o-9"})
    assert {d.endpoint_id for d in WebhookDelivery.objects.filter(pk__in=ids)} == {everything.pk, orders.pk}
    assert webhooks_fan_out(event_id=event_id, event_type="order.paid", payload={"order": "o-9"}) == []
    assert sent == ids
    # one message id per event, whatever the endpoint
    assert WebhookDelivery.objects.filter(event_id=event_id).values("message_id").distinct().count() == 1


def test_a_domain_event_reaches_the_endpoint(in_alpha, receiver, django_capture_on_commit_callbacks):
    make_endpoint(receiver.url("/orders"), event_types=["order.paid"])
    make_endpoint(receiver.url("/products"), event_types=["product.created"])
    with django_capture_on_commit_callbacks(execute=True):
        event_id = event_emit(name="order.paid", payload={"order": "o-42", "total": "9.90"})
    [hit] = receiver.requests
    assert hit.path == "/orders"
    assert hit.json["type"] == "order.paid" and hit.json["data"] == {"order": "o-42", "total": "9.90"}
    assert hit.headers["webhook-id"] == f"msg_{event_id.hex}"


def test_the_sweeper_sends_what_is_due(in_alpha, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(receiver.url("/hook"))
    due = make_delivery(endpoint, status=DeliveryStatus.RETRYING, attempts=2)
    later = make_delivery(
        endpoint,
        status=DeliveryStatus.RETRYING,
        attempts=2,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    assert deliveries_queue_due() == 1  # eager: sent right away
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == DeliveryStatus.SUCCEEDED and due.attempts == 3
    assert later.status == DeliveryStatus.RETRYING
    assert len(receiver.requests) == 1


def test_old_finished_deliveries_are_purged(in_alpha):
    endpoint = make_endpoint()
    old = timezone.now() - timedelta(days=31)
    make_delivery(endpoint, status=DeliveryStatus.SUCCEEDED, created_at=old)
    make_delivery(endpoint, status=DeliveryStatus.DEAD, created_at=old)
    kept_waiting = make_delivery(endpoint, status=DeliveryStatus.RETRYING, created_at=old)
    kept_recent = make_delivery(endpoint, status=DeliveryStatus.SUCCEEDED)
    assert deliveries_purge() == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {kept_waiting.pk, kept_recent.pk}


def test_the_jobs_are_registered():
    from apps.core.jobs import store_job_get

    assert store_job_get("integrations.deliveries_queue_due").every == 60
    assert store_job_get("integrations.deliveries_purge").every == 24 * 60 * 60
