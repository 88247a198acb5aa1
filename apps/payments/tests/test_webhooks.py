"""Stripe Connect webhooks on the platform domain: verified with the real signature scheme,
stored before handling, handled once, routed to the right store, correct in any order."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.payments.enums import PaymentStatus, StripeOnboardingStatus
from apps.payments.models import DummyPayment
from apps.payments.platform.models import StripeWebhookEvent
from apps.payments.selectors import payment_settings_get
from apps.payments.testing.fake_stripe import FakeStripe
from apps.payments.tests.factories import stripe_connected

pytestmark = pytest.mark.django_db

URL = "/stripe/connect/webhook/"


def _post(client, fake: FakeStripe, event, **sign):  # type: ignore[no-untyped-def]
    body, signature = fake.webhook_request(event, **sign)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def _intent_event(
    fake: FakeStripe, account: str, type_: str, *, status: str, created: int | None = None, **extra
):  # type: ignore[no-untyped-def]
    intent = {
        "id": extra.pop("intent_id", "pi_webhooktest1"),
        "object": "payment_intent",
        "amount": 2500,
        "amount_received": 2500 if status == "succeeded" else 0,
        "currency": "eur",
        "status": status,
        "last_payment_error": extra.pop("last_payment_error", None),
        "latest_charge": None,
        "metadata": {"reference": "order-1"},
    }
    return fake.event_build(type_, intent, account=account, created=created)


@pytest.fixture
def alpha_account(alpha, fake_stripe):  # type: ignore[no-untyped-def]
    with schema_context(alpha.tenant.schema_name):
        return stripe_connected(fake_stripe)


@pytest.fixture
def beta_account(beta, fake_stripe):  # type: ignore[no-untyped-def]
    with schema_context(beta.tenant.schema_name):
        return stripe_connected(fake_stripe)


def test_a_valid_event_is_stored_and_dispatched_once_in_its_store(
    platform_client, fake_stripe, alpha, alpha_account, payment_updates
):
    event = _intent_event(
        fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded", created=1_700_000_000
    )
    # when
    response = _post(platform_client, fake_stripe, event)
    # then
    assert response.status_code == 200
    stored = StripeWebhookEvent.objects.get(event_id=event["id"])
    assert stored.status == StripeWebhookEvent.Status.PROCESSED
    assert (stored.type, stored.account, stored.tenant, stored.attempts) == (
        "payment_intent.succeeded",
        alpha_account,
        alpha.tenant,
        1,
    )
    assert stored.payload == event
    [(schema, update)] = payment_updates.updates
    assert schema == alpha.tenant.schema_name
    assert update.gateway == "stripe"
    assert update.external_id == "pi_webhooktest1"
    assert update.status == PaymentStatus.SUCCEEDED
    assert update.amount == Decimal("25.00") and update.currency == "EUR"
    assert update.occurred_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert update.event_id == event["id"]


def test_a_redelivered_event_has_no_second_effect(
    platform_client, fake_stripe, alpha_account, payment_updates
):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    for _ in range(3):
        assert _post(platform_client, fake_stripe, event).status_code == 200
    assert len(payment_updates.updates) == 1
    assert StripeWebhookEvent.objects.filter(event_id=event["id"]).count() == 1


def test_a_forged_signature_is_refused_and_nothing_is_stored(
    platform_client, fake_stripe, alpha_account, payment_updates
):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    response = _post(platform_client, fake_stripe, event, secret="whsec_not_ours")
    assert response.status_code == 400
    assert not StripeWebhookEvent.objects.filter(event_id=event["id"]).exists()
    assert payment_updates.updates == []


def test_a_tampered_body_is_refused(platform_client, fake_stripe, alpha_account, payment_updates):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    body, signature = fake_stripe.webhook_request(event)
    tampered = body.replace(b'"amount":2500', b'"amount":1')
    response = platform_client.post(
        URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 400
    assert payment_updates.updates == []


def test_a_missing_signature_is_refused(platform_client, fake_stripe, alpha_account):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    response = platform_client.post(URL, data=json.dumps(event), content_type="application/json")
    assert response.status_code == 400


def test_a_stale_timestamp_is_refused(platform_client, fake_stripe, alpha_account, payment_updates):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    # signed correctly, but 301 s ago: a replay outside the 300 s tolerance
    response = _post(platform_client, fake_stripe, event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert not StripeWebhookEvent.objects.filter(event_id=event["id"]).exists()
    # within the tolerance it is accepted
    assert _post(platform_client, fake_stripe, event, timestamp=int(time.time()) - 250).status_code == 200


def test_a_signed_but_malformed_payload_is_refused(platform_client, fake_stripe):
    from apps.payments.testing.fake_stripe import signature_header

    for payload in ("not json", json.dumps({"object": "event"}), json.dumps([1, 2])):
        response = platform_client.post(
            URL,
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_header(payload, secret=fake_stripe.webhook_secret),
        )
        assert response.status_code == 400, payload


def test_only_post_is_accepted(platform_client, fake_stripe):
    assert platform_client.get(URL).status_code == 405


def test_an_unknown_account_is_stored_as_ignored(platform_client, fake_stripe, payment_updates):
    event = _intent_event(fake_stripe, "acct_nobodysaccount", "payment_intent.succeeded", status="succeeded")
    response = _post(platform_client, fake_stripe, event)
    assert response.status_code == 200
    stored = StripeWebhookEvent.objects.get(event_id=event["id"])
    assert stored.status == StripeWebhookEvent.Status.IGNORED and stored.tenant is None
    assert payment_updates.updates == []


def test_an_unhandled_type_is_stored_as_ignored(platform_client, fake_stripe, alpha_account, payment_updates):
    event = fake_stripe.event_build(
        "customer.created", {"id": "cus_1", "object": "customer"}, account=alpha_account
    )
    assert _post(platform_client, fake_stripe, event).status_code == 200
    assert StripeWebhookEvent.objects.get(event_id=event["id"]).status == StripeWebhookEvent.Status.IGNORED
    assert payment_updates.updates == []


def test_events_go_to_their_own_store_and_never_another(
    platform_client, fake_stripe, alpha, beta, alpha_account, beta_account, payment_updates
):
    to_alpha = _intent_event(
        fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded", intent_id="pi_alpha"
    )
    to_beta = _intent_event(
        fake_stripe,
        beta_account,
        "payment_intent.payment_failed",
        status="requires_payment_method",
        intent_id="pi_beta",
    )
    assert _post(platform_client, fake_stripe, to_alpha).status_code == 200
    assert _post(platform_client, fake_stripe, to_beta).status_code == 200
    assert [(schema, update.external_id, update.status) for schema, update in payment_updates.updates] == [
        (alpha.tenant.schema_name, "pi_alpha", PaymentStatus.SUCCEEDED),
        (beta.tenant.schema_name, "pi_beta", PaymentStatus.FAILED),
    ]
    assert StripeWebhookEvent.objects.get(event_id=to_beta["id"]).tenant == beta.tenant


def test_a_crashing_handler_answers_500_rolls_back_and_the_retry_succeeds(
    platform_client, fake_stripe, alpha, alpha_account, payment_updates
):
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")

    def crash(update):  # type: ignore[no-untyped-def]
        # writes something in the store, then fails
        DummyPayment.objects.create(
            external_id="dummy_written_before_crash",
            idempotency_key="crash",
            reference="x",
            amount=Decimal(1),
            currency="EUR",
            status=PaymentStatus.SUCCEEDED,
        )
        raise RuntimeError("orders is down")

    from apps.payments import updates

    updates._handlers["recorder"] = crash
    platform_client.raise_request_exception = False
    # when
    response = _post(platform_client, fake_stripe, event)
    # then Stripe is told to retry, the store is untouched, the failure is on record
    assert response.status_code == 500
    stored = StripeWebhookEvent.objects.get(event_id=event["id"])
    assert stored.status == StripeWebhookEvent.Status.FAILED
    assert stored.attempts == 1
    assert "RuntimeError: orders is down" in stored.last_error
    with schema_context(alpha.tenant.schema_name):
        assert not DummyPayment.objects.filter(external_id="dummy_written_before_crash").exists()
    # when Stripe retries after the fix
    updates._handlers["recorder"] = payment_updates
    response = _post(platform_client, fake_stripe, event)
    # then
    assert response.status_code == 200
    stored.refresh_from_db()
    assert stored.status == StripeWebhookEvent.Status.PROCESSED
    assert stored.attempts == 2
    assert stored.last_error == ""
    assert len(payment_updates.updates) == 1


def test_intent_and_refund_events_are_normalised(
    platform_client, fake_stripe, alpha_account, payment_updates
):
    failed = _intent_event(
        fake_stripe,
        alpha_account,
        "payment_intent.payment_failed",
        status="requires_payment_method",
        last_payment_error={"type": "card_error", "code": "card_declined"},
    )
    canceled = _intent_event(fake_stripe, alpha_account, "payment_intent.canceled", status="canceled")
    processing = _intent_event(fake_stripe, alpha_account, "payment_intent.processing", status="processing")
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 2500,
        "amount_refunded": 1000,
        "currency": "eur",
        "payment_intent": "pi_webhooktest1",
        "refunded": False,
    }
    partly = fake_stripe.event_build("charge.refunded", charge, account=alpha_account)
    fully = fake_stripe.event_build(
        "charge.refunded", {**charge, "amount_refunded": 2500, "refunded": True}, account=alpha_account
    )
    for event in (failed, canceled, processing, partly, fully):
        assert _post(platform_client, fake_stripe, event).status_code == 200
    statuses = [update.status for _schema, update in payment_updates.updates]
    assert statuses == [
        PaymentStatus.FAILED,
        PaymentStatus.CANCELLED,
        PaymentStatus.PROCESSING,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    ]
    # a failure carries its reason in the words the gateway's own answers use; nothing else does
    failure = payment_updates.updates[0][1]
    assert failure.error_code == "card_declined"
    assert failure.error_message == "Your card was declined. Try another card or another payment method."
    assert all(update.error_code == "" for _schema, update in payment_updates.updates[1:])
    refund = payment_updates.updates[3][1]
    assert (refund.external_id, refund.amount, refund.amount_refunded) == (
        "pi_webhooktest1",
        Decimal("25.00"),
        Decimal("10.00"),
    )


def test_the_fakes_own_events_flow_through(
    platform_client, fake_stripe, alpha, alpha_account, payment_updates
):
    """Events the fake emits for a real SDK flow (create, confirm, refund) are accepted as Stripe
    would send them."""
    from apps.payments.gateways import gateway_get
    from apps.payments.tests.factories import payment_request

    with schema_context(alpha.tenant.schema_name):
        started = gateway_get("stripe").start(payment_request(amount="12.00"))
        fake_stripe.payment_intent_confirm(started.external_id)
        gateway_get("stripe").refund(
            external_id=started.external_id, amount=Decimal("12.00"), currency="EUR", idempotency_key="full"
        )
    for event in fake_stripe.events:
        assert _post(platform_client, fake_stripe, event).status_code == 200
    assert [(update.external_id, update.status) for _schema, update in payment_updates.updates] == [
        (started.external_id, PaymentStatus.SUCCEEDED),
        (started.external_id, PaymentStatus.REFUNDED),
    ]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_account_updates_in_any_order_keep_the_newest_state(
    platform_client, fake_stripe, alpha, alpha_account, order
):
    base = dict(fake_stripe.accounts[alpha_account])
    requirements = base["requirements"]
    states = [
        {**base, "details_submitted": False, "charges_enabled": False, "payouts_enabled": False,
         "requirements": {**requirements, "currently_due": ["external_account"]}},
        {**base, "details_submitted": True, "charges_enabled": False, "payouts_enabled": False,
         "requirements": {**requirements, "currently_due": [], "disabled_reason": "requirements.pending_verification"}},
        {**base, "details_submitted": True, "charges_enabled": True, "payouts_enabled": True,
         "requirements": {**requirements, "currently_due": [], "disabled_reason": None}},
    ]  # fmt: skip
    events = [
        fake_stripe.event_build("account.updated", state, account=alpha_account, created=1_800_000_000 + i)
        for i, state in enumerate(states)
    ]
    for index in order:
        assert _post(platform_client, fake_stripe, events[index]).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        row = payment_settings_get()
        assert row.stripe_onboarding_status == StripeOnboardingStatus.COMPLETE
        assert (row.stripe_charges_enabled, row.stripe_payouts_enabled) == (True, True)
        assert row.stripe_status_updated_at == datetime.fromtimestamp(1_800_000_002, tz=UTC)


def test_the_endpoint_needs_no_csrf_token(fake_stripe, alpha_account, payment_updates):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, enforce_csrf_checks=True)
    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    assert _post(client, fake_stripe, event).status_code == 200


def test_the_endpoint_lives_on_the_platform_domain_only(alpha, fake_stripe, alpha_account):
    from tests.fixtures import store_client

    event = _intent_event(fake_stripe, alpha_account, "payment_intent.succeeded", status="succeeded")
    assert _post(store_client(alpha), fake_stripe, event).status_code == 404
