"""The dummy and manual gateways, and the registry that picks a store's gateways."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from apps.payments.enums import GatewayCode, GatewayKind, PaymentStatus, RefundStatus
from apps.payments.errors import (
    GatewayDisabled,
    GatewayUnavailable,
    GatewayUnknown,
    IdempotencyConflict,
    PaymentNotCancellable,
    PaymentNotFound,
)
from apps.payments.gateways import Gateway, gateway_get, gateways_available
from apps.payments.gateways.dummy import CARD_DECLINED, CARD_REQUIRES_AUTHENTICATION, CARD_SUCCEEDS
from apps.payments.models import DummyPayment, DummyRefund
from apps.payments.tests.factories import payment_request, settings_set

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------
# dummy
# ------------------------------------------------------------------------------
def test_the_success_card_pays_and_is_stored(in_alpha):
    gateway = gateway_get("dummy")
    assert isinstance(gateway, Gateway)
    # when
    result = gateway.start(payment_request(card="4242 4242 4242 4242", amount="25.00"))
    # then
    assert result.status == PaymentStatus.SUCCEEDED
    assert result.external_id.startswith("dummy_")
    assert result.error_code == "" and result.action_url == ""
    payment = DummyPayment.objects.get(external_id=result.external_id)
    assert (payment.amount, payment.currency, payment.card_last4) == (Decimal("25.000"), "EUR", "4242")
    assert gateway.retrieve(external_id=result.external_id).status == PaymentStatus.SUCCEEDED


def test_the_decline_card_fails_with_a_clear_message(in_alpha):
    result = gateway_get("dummy").start(payment_request(card=CARD_DECLINED))
    assert result.status == PaymentStatus.FAILED
    assert result.error_code == "card_declined"
    assert "declined" in result.error_message


def test_an_unknown_card_fails_and_names_the_test_cards(in_alpha):
    result = gateway_get("dummy").start(payment_request(card="1234 5678 9012 3456"))
    assert result.status == PaymentStatus.FAILED
    assert result.error_code == "invalid_card"
    assert "4242 4242 4242 4242" in result.error_message


def test_the_authentication_card_requires_action_on_the_store_domain(in_alpha):
    result = gateway_get("dummy").start(
        payment_request(card=CARD_REQUIRES_AUTHENTICATION, return_url=f"https://{in_alpha.host}/checkout/x/")
    )
    assert result.status == PaymentStatus.REQUIRES_ACTION
    assert result.action_url == f"https://{in_alpha.host}/payments/dummy/authenticate/{result.external_id}/"


def test_start_is_idempotent_on_the_key(in_alpha):
    gateway = gateway_get("dummy")
    request = payment_request(card=CARD_SUCCEEDS, key="checkout-1-attempt-1")
    first = gateway.start(request)
    # when the same request comes again (a double click, a retry after a timeout)
    again = gateway.start(request)
    # then it is the same payment, not a second one
    assert again.external_id == first.external_id
    assert DummyPayment.objects.filter(idempotency_key="checkout-1-attempt-1").count() == 1


def test_the_same_key_for_another_amount_is_refused(in_alpha):
    gateway = gateway_get("dummy")
    request = payment_request(key="checkout-2", amount="10.00")
    gateway.start(request)
    with pytest.raises(IdempotencyConflict):
        gateway.start(payment_request(key="checkout-2", amount="11.00", reference=request.reference))


def test_refunds_are_partial_then_full_and_idempotent(in_alpha):
    gateway = gateway_get("dummy")
    paid = gateway.start(payment_request(amount="30.00"))
    # when 10 are refunded, twice with the same key
    first = gateway.refund(
        external_id=paid.external_id, amount=Decimal("10"), currency="EUR", idempotency_key="r1"
    )
    again = gateway.refund(
        external_id=paid.external_id, amount=Decimal("10"), currency="EUR", idempotency_key="r1"
    )
    # then once
    assert first.status == RefundStatus.SUCCEEDED and again.external_id == first.external_id
    assert gateway.retrieve(external_id=paid.external_id).status == PaymentStatus.PARTIALLY_REFUNDED
    assert gateway.retrieve(external_id=paid.external_id).amount_refunded == Decimal("10.000")
    # and more than is left fails, the rest succeeds
    too_much = gateway.refund(
        external_id=paid.external_id, amount=Decimal("25"), currency="EUR", idempotency_key="r2"
    )
    assert too_much.status == RefundStatus.FAILED and too_much.error_message
    rest = gateway.refund(
        external_id=paid.external_id, amount=Decimal("20"), currency="EUR", idempotency_key="r3"
    )
    assert rest.succeeded
    assert gateway.retrieve(external_id=paid.external_id).status == PaymentStatus.REFUNDED
    assert DummyRefund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 2


def test_a_declined_payment_cannot_be_refunded(in_alpha):
    gateway = gateway_get("dummy")
    declined = gateway.start(payment_request(card=CARD_DECLINED))
    result = gateway.refund(
        external_id=declined.external_id, amount=Decimal("1"), currency="EUR", idempotency_key="r-declined"
    )
    assert result.status == RefundStatus.FAILED


def test_cancel_only_before_payment(in_alpha):
    gateway = gateway_get("dummy")
    waiting = gateway.start(payment_request(card=CARD_REQUIRES_AUTHENTICATION))
    assert gateway.cancel(external_id=waiting.external_id).status == PaymentStatus.CANCELLED
    assert gateway.cancel(external_id=waiting.external_id).status == PaymentStatus.CANCELLED  # idempotent
    paid = gateway.start(payment_request())
    with pytest.raises(PaymentNotCancellable):
        gateway.cancel(external_id=paid.external_id)
    with pytest.raises(PaymentNotFound):
        gateway.retrieve(external_id="dummy_nope")


def test_zero_decimal_amounts_are_kept_whole(in_alpha):
    result = gateway_get("dummy").start(payment_request(amount="1250", currency="JPY"))
    assert result.amount == Decimal("1250")
    assert DummyPayment.objects.get(external_id=result.external_id).amount == Decimal("1250")


# ------------------------------------------------------------------------------
# manual
# ------------------------------------------------------------------------------
def test_bank_transfer_is_pending_with_the_stores_instructions(in_alpha):
    settings_set(bank_transfer_enabled=True, bank_transfer_instructions="IBAN DE00 1234, Alpha GmbH")
    gateway = gateway_get("bank_transfer")
    request = payment_request(key="order-7")
    result = gateway.start(request)
    assert result.status == PaymentStatus.PENDING
    assert result.instructions == "IBAN DE00 1234, Alpha GmbH"
    assert gateway.start(request).external_id == result.external_id  # same key, same payment
    assert gateway.retrieve(external_id=result.external_id).status == PaymentStatus.PENDING


def test_cash_on_delivery_is_pending_with_default_instructions(in_alpha):
    settings_set(cash_on_delivery_enabled=True)
    result = gateway_get("cash_on_delivery").start(payment_request())
    assert result.status == PaymentStatus.PENDING
    assert result.instructions  # a default sentence when the store wrote none


# ------------------------------------------------------------------------------
# registry
# ------------------------------------------------------------------------------
def test_a_new_store_can_sell_with_the_dummy_gateway_only(in_alpha):
    choices = gateways_available()
    assert [choice.code for choice in choices] == ["dummy"]
    assert choices[0].kind == GatewayKind.TEST_CARD


def test_disabled_and_unknown_gateways_are_refused(in_alpha):
    with pytest.raises(GatewayUnknown):
        gateway_get("bitcoin")
    with pytest.raises(GatewayDisabled):
        gateway_get("bank_transfer")
    settings_set(dummy_enabled=False)
    with pytest.raises(GatewayDisabled):
        gateway_get("dummy")
    # a payment taken earlier can still be looked after
    assert gateway_get("dummy", enabled_only=False).code == "dummy"


def test_the_platform_can_refuse_test_payments(in_alpha, settings):
    settings.PAYMENTS_DUMMY_ENABLED = False
    assert "dummy" not in [choice.code for choice in gateways_available()]
    with pytest.raises(GatewayDisabled):
        gateway_get("dummy")


def test_production_settings_refuse_test_payments_by_default():
    source = Path("config/settings/production.py").read_text()
    assert 'PAYMENTS_DUMMY_ENABLED = env.bool("PAYMENTS_DUMMY_ENABLED", default=False)' in source


def test_stripe_is_offered_only_once_the_account_can_charge(in_alpha, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings_set(stripe_enabled=True, stripe_account_id="acct_123", stripe_charges_enabled=False)
    assert "stripe" not in [choice.code for choice in gateways_available()]
    with pytest.raises(GatewayUnavailable):
        gateway_get("stripe")
    settings_set(stripe_charges_enabled=True)
    choices = {choice.code: choice for choice in gateways_available()}
    assert choices["stripe"].kind == GatewayKind.PAYMENT_ELEMENT


def test_manual_choices_carry_instructions(in_alpha):
    settings_set(
        bank_transfer_enabled=True,
        bank_transfer_instructions="Pay to IBAN X",
        cash_on_delivery_enabled=True,
        cash_on_delivery_instructions="Exact change please",
    )
    choices = {choice.code: choice for choice in gateways_available()}
    assert choices[GatewayCode.BANK_TRANSFER].instructions == "Pay to IBAN X"
    assert choices[GatewayCode.CASH_ON_DELIVERY].instructions == "Exact change please"
    assert choices[GatewayCode.BANK_TRANSFER].is_manual and not choices["dummy"].is_manual


def test_available_gateways_cost_one_query(in_alpha, django_assert_num_queries):
    gateways_available()  # the settings row exists from here on
    with django_assert_num_queries(1):
        gateways_available()


def test_a_store_never_reaches_another_stores_dummy_payment(alpha, beta):
    from django_tenants.utils import schema_context

    with schema_context(alpha.tenant.schema_name):
        paid = gateway_get("dummy").start(payment_request())
    with schema_context(beta.tenant.schema_name):
        gateway = gateway_get("dummy")
        with pytest.raises(PaymentNotFound):
            gateway.retrieve(external_id=paid.external_id)
        with pytest.raises(PaymentNotFound):
            gateway.refund(
                external_id=paid.external_id, amount=Decimal(1), currency="EUR", idempotency_key="steal"
            )
        with pytest.raises(PaymentNotFound):
            gateway.cancel(external_id=paid.external_id)
    with schema_context(alpha.tenant.schema_name):
        assert DummyPayment.objects.get(external_id=paid.external_id).amount_refunded == 0
