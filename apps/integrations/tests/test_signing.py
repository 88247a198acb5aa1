"""Signatures as the Standard Webhooks spec says, checked with the reference library
(`standardwebhooks.Webhook.verify`) on what a real receiver got: secrets, rotation, tampering."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.integrations.models import WebhookSecret
from apps.integrations.services import (
    SECRET_ROTATION_GRACE,
    endpoint_secrets_valid,
    secret_rotate,
    webhooks_fan_out,
)
from apps.integrations.signing import secret_generate, secret_mask, webhook_headers
from apps.integrations.tests.factories import current_secret, make_endpoint

pytestmark = pytest.mark.django_db


def _send(receiver, path, django_capture_on_commit_callbacks, *, event_id=None, payload=None):
    """Fan out one event and let the eager send task post it; the request the receiver got."""
    import uuid

    with django_capture_on_commit_callbacks(execute=True):
        webhooks_fan_out(
            event_id=event_id or uuid.uuid4(), event_type="order.paid", payload=payload or {"order": "o-1"}
        )
    return receiver.to(path)[-1]


def test_a_secret_is_whsec_and_32_random_bytes():
    secret = secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != secret_generate()
    Webhook(secret)  # the reference library accepts it
    assert secret_mask(secret).endswith(secret[-4:]) and secret[6:20] not in secret_mask(secret)


def test_a_delivered_message_verifies_with_the_reference_library(
    in_alpha, receiver, django_capture_on_commit_callbacks
):
    # given an endpoint on the loopback receiver
    endpoint = make_endpoint(receiver.url("/hook"))
    secret = current_secret(endpoint)
    # when an event goes out
    got = _send(
        receiver, "/hook", django_capture_on_commit_callbacks, payload={"order": "o-1", "total": "12.50"}
    )
    # then the receiver verifies it with the endpoint's secret and reads the envelope
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    body = Webhook(secret).verify(got.body, got.headers)
    assert body["type"] == "order.paid"
    assert body["data"] == {"order": "o-1", "total": "12.50"}
    assert body["timestamp"]


def test_during_a_rotation_both_secrets_verify_and_after_it_only_the_new_one(
    in_alpha, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url("/hook"))
    old = current_secret(endpoint)
    # when the secret is rotated now
    new = secret_rotate(endpoint=endpoint).secret
    assert new != old
    got = _send(receiver, "/hook", django_capture_on_commit_callbacks)
    # then the message carries two v1 signatures, and either secret verifies it
    signatures = got.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert Webhook(old).verify(got.body, got.headers)["type"] == "order.paid"
    assert Webhook(new).verify(got.body, got.headers)["type"] == "order.paid"
    # the old secret's window is the grace period
    previous = WebhookSecret.objects.get(endpoint=endpoint, expires_at__isnull=False)
    assert previous.secret == old
    expires = previous.expires_at
    assert expires is not None and expires - timezone.now() <= SECRET_ROTATION_GRACE


def test_after_the_window_only_the_new_secret_verifies(
    in_alpha, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url("/hook"))
    old = current_secret(endpoint)
    # given a rotation 25 hours ago (its 24 h window is over)
    new = secret_rotate(endpoint=endpoint, now=timezone.now() - timedelta(hours=25)).secret
    got = _send(receiver, "/hook", django_capture_on_commit_callbacks)
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got.body, got.headers)


def test_the_signing_set_follows_the_window(in_alpha):
    endpoint = make_endpoint()
    old = current_secret(endpoint)
    now = timezone.now()
    new = secret_rotate(endpoint=endpoint, now=now).secret
    endpoint.refresh_from_db()
    assert endpoint_secrets_valid(endpoint=endpoint, now=now + timedelta(hours=23)) == [new, old]
    assert endpoint_secrets_valid(endpoint=endpoint, now=now + timedelta(hours=24, seconds=1)) == [new]
    # a second rotation drops nothing still in its window, and only one secret is current
    newest = secret_rotate(endpoint=endpoint, now=now + timedelta(hours=1)).secret
    assert endpoint_secrets_valid(endpoint=endpoint, now=now + timedelta(hours=2)) == [newest, new, old]
    assert WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).count() == 1


@pytest.mark.parametrize("tamper", ["body", "timestamp", "message_id", "signature", "stale"])
def test_a_tampered_message_fails_verification(
    in_alpha, receiver, django_capture_on_commit_callbacks, tamper
):
    endpoint = make_endpoint(receiver.url("/hook"))
    secret = current_secret(endpoint)
    got = _send(
        receiver, "/hook", django_capture_on_commit_callbacks, payload={"order": "o-1", "total": "12.50"}
    )
    body, headers = got.body, dict(got.headers)
    Webhook(secret).verify(body, headers)  # untouched, it verifies
    if tamper == "body":
        body = body.replace(b"12.50", b"0.01")
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    elif tamper == "message_id":
        headers["webhook-id"] = "msg_someoneelse"
    elif tamper == "signature":
        headers["webhook-signature"] = "v1," + base64.b64encode(b"x" * 32).decode()
    else:  # replayed much later: re-signed with a timestamp 10 minutes old
        then = timezone.now() - timedelta(minutes=10)
        headers = webhook_headers(
            secrets=[secret], message_id=headers["webhook-id"], timestamp=then, body=body.decode()
        )
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_another_endpoints_secret_does_not_verify(in_alpha, receiver, django_capture_on_commit_callbacks):
    make_endpoint(receiver.url("/hook"))
    other = make_endpoint(receiver.url("/other"))
    got = _send(receiver, "/hook", django_capture_on_commit_callbacks)
    with pytest.raises(WebhookVerificationError):
        Webhook(current_secret(other)).verify(got.body, got.headers)
