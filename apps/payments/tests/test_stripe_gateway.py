"""The Stripe gateway through the real stripe SDK against the local fake Stripe (no network):
PaymentIntents on the connected account, the application fee, minor units, idempotency keys."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from apps.payments.enums import PaymentStatus, RefundStatus
from apps.payments.errors import (
    AmountInvalid,
    IdempotencyConflict,
    PaymentNotCancellable,
    PaymentNotFound,
    ProviderError,
    StripeNotConfigured,
)
from apps.payments.gateways import gateway_get
from apps.payments.stripe_client import stripe_amount, stripe_amount_to_decimal
from apps.payments.tests.factories import payment_request, stripe_connected

pytestmark = pytest.mark.django_db

SDK_GENERATED_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def connected(in_alpha, fake_stripe):  # type: ignore[no-untyped-def]
    return stripe_connected(fake_stripe)


def test_start_creates_a_payment_intent_on_the_connected_account(connected, fake_stripe, in_alpha):
    request = payment_request(amount="49.99", currency="EUR", key="order-1-pay-1")
    # when
    result = gateway_get("stripe").start(request)
    # then the shopper completes it in the Payment Element
    assert result.status == PaymentStatus.REQUIRES_ACTION
    assert result.external_id.startswith("pi_")
    assert result.client_secret.startswith(f"{result.external_id}_secret_")
    assert result.fee == Decimal("0.99")  # 2 % of 49.99, rounded down
    # and Stripe got what the issue asks for
    [call] = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert call.stripe_account == connected
    assert call.idempotency_key == "order-1-pay-1"
    assert call.params["amount"] == "4999"
    assert call.params["currency"] == "eur"
    assert call.params["application_fee_amount"] == "99"
    assert call.params["automatic_payment_methods"] == {"enabled": "true"}
    assert call.params["metadata"] == {
        "reference": request.reference,
        "store_schema": in_alpha.tenant.schema_name,
    }
    assert call.params["receipt_email"] == "shopper@example.com"


def test_a_repeated_start_is_the_same_intent(connected, fake_stripe, in_alpha):
    request = payment_request(key="order-2-pay-1")
    gateway = gateway_get("stripe")
    first, again = gateway.start(request), gateway.start(request)
    assert again.external_id == first.external_id
    assert len(fake_stripe.payment_intents) == 1
    # the same key with another amount is refused, as Stripe refuses it
    with pytest.raises(IdempotencyConflict):
        gateway.start(payment_request(key="order-2-pay-1", amount="99.00", reference=request.reference))


def test_zero_decimal_currencies_are_sent_as_they_are(connected, fake_stripe, in_alpha):
    result = gateway_get("stripe").start(payment_request(amount="1250", currency="JPY"))
    [call] = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert call.params["amount"] == "1250"  # not 125000
    assert call.params["currency"] == "jpy"
    assert call.params["application_fee_amount"] == "25"
    assert result.amount == Decimal("1250") and result.currency == "JPY"


def test_three_decimal_currencies_end_in_zero_or_are_refused(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    gateway.start(payment_request(amount="12.340", currency="KWD"))
    [call] = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert call.params["amount"] == "12340"
    assert int(call.params["application_fee_amount"]) % 10 == 0
    with pytest.raises(AmountInvalid):
        gateway.start(payment_request(amount="12.345", currency="KWD"))
    assert len(fake_stripe.requests_to("POST", "/v1/payment_intents")) == 1  # refused before any call


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("10.00", "EUR", 1000),
        ("0.5", "USD", 50),
        ("500", "JPY", 500),
        ("1000", "KRW", 1000),
        ("1.250", "KWD", 1250),
        ("3", "ISK", 300),
        ("19.99", "HUF", 1999),
    ],
)
def test_stripe_minor_units(amount, currency, minor):
    assert stripe_amount(Decimal(amount), currency) == minor
    assert stripe_amount_to_decimal(minor, currency) == Decimal(amount)


def test_amounts_stripe_cannot_express_are_refused():
    with pytest.raises(AmountInvalid):
        stripe_amount(Decimal("0"), "EUR")
    with pytest.raises(AmountInvalid):
        stripe_amount(Decimal("1.005"), "BHD")


def test_confirmed_payment_is_retrieved_as_succeeded(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    started = gateway.start(payment_request(amount="20.00"))
    fake_stripe.payment_intent_confirm(started.external_id, payment_method="pm_card_visa")
    result = gateway.retrieve(external_id=started.external_id)
    assert result.status == PaymentStatus.SUCCEEDED
    assert result.client_secret == ""
    assert result.amount == Decimal("20.00") and result.amount_refunded == Decimal("0.00")


def test_a_declined_payment_is_retrieved_as_failed_with_a_message(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    started = gateway.start(payment_request())
    fake_stripe.payment_intent_confirm(started.external_id, payment_method="pm_card_chargeDeclined")
    result = gateway.retrieve(external_id=started.external_id)
    assert result.status == PaymentStatus.FAILED
    assert result.error_code == "generic_decline"
    assert "declined" in result.error_message


def test_refund_partial_then_full_with_idempotency_keys(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    started = gateway.start(payment_request(amount="30.00"))
    fake_stripe.payment_intent_confirm(started.external_id)
    first = gateway.refund(
        external_id=started.external_id, amount=Decimal("10"), currency="EUR", idempotency_key="rf-1"
    )
    again = gateway.refund(
        external_id=started.external_id, amount=Decimal("10"), currency="EUR", idempotency_key="rf-1"
    )
    assert first.status == RefundStatus.SUCCEEDED and again.external_id == first.external_id
    assert gateway.retrieve(external_id=started.external_id).status == PaymentStatus.PARTIALLY_REFUNDED
    too_much = gateway.refund(
        external_id=started.external_id, amount=Decimal("25"), currency="EUR", idempotency_key="rf-2"
    )
    assert too_much.status == RefundStatus.FAILED
    gateway.refund(
        external_id=started.external_id, amount=Decimal("20"), currency="EUR", idempotency_key="rf-3"
    )
    assert gateway.retrieve(external_id=started.external_id).status == PaymentStatus.REFUNDED
    calls = fake_stripe.requests_to("POST", "/v1/refunds")
    assert [call.idempotency_key for call in calls] == ["rf-1", "rf-1", "rf-2", "rf-3"]
    assert {call.stripe_account for call in calls} == {connected}
    assert calls[0].params["amount"] == "1000"


def test_cancel_before_payment_only(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    waiting = gateway.start(payment_request())
    assert gateway.cancel(external_id=waiting.external_id).status == PaymentStatus.CANCELLED
    [call] = fake_stripe.requests_to("POST", f"/v1/payment_intents/{waiting.external_id}/cancel")
    assert call.idempotency_key == f"cancel-{waiting.external_id}"
    paid = gateway.start(payment_request())
    fake_stripe.payment_intent_confirm(paid.external_id)
    with pytest.raises(PaymentNotCancellable):
        gateway.cancel(external_id=paid.external_id)


def test_another_accounts_payment_is_not_found(connected, fake_stripe, in_alpha):
    # an intent that belongs to another connected account
    other = fake_stripe.account_create(complete=True)
    fake_stripe.accounts[other["id"]]["charges_enabled"] = True
    from apps.payments.gateways.stripe import StripeGateway

    foreign = StripeGateway(account_id=other["id"]).start(payment_request())
    with pytest.raises(PaymentNotFound):
        gateway_get("stripe").retrieve(external_id=foreign.external_id)


def test_every_mutating_call_carries_our_idempotency_key(connected, fake_stripe, in_alpha):
    gateway = gateway_get("stripe")
    started = gateway.start(payment_request(key="k-start"))
    fake_stripe.payment_intent_confirm(started.external_id)
    gateway.refund(
        external_id=started.external_id, amount=Decimal("1"), currency="EUR", idempotency_key="k-refund"
    )
    gateway.cancel(external_id=gateway.start(payment_request(key="k-start-2")).external_id)
    posts = [call for call in fake_stripe.requests if call.method == "POST"]
    assert len(posts) == 4
    for call in posts:
        assert call.idempotency_key, call.path
        assert not SDK_GENERATED_KEY.match(call.idempotency_key), f"{call.path} used the SDK's random key"


def test_without_platform_keys_stripe_is_not_configured(in_alpha, settings):
    settings.STRIPE_SECRET_KEY = ""
    from apps.payments.gateways.stripe import StripeGateway

    with pytest.raises(StripeNotConfigured):
        StripeGateway(account_id="acct_x").start(payment_request())


def test_an_unreachable_stripe_is_a_provider_error(connected, fake_stripe, in_alpha, settings):
    fake_stripe.stop()
    with pytest.raises(ProviderError) as raised:
        gateway_get("stripe").start(payment_request())
    assert raised.value.params["type"] == "APIConnectionError"
