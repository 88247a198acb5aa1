"""Each risk signal on its own: when it fires, with which weight and parameters, and when not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.fraud import signals as S
from apps.fraud.enums import SignalCode
from apps.fraud.models import FraudSettings, RiskAssessment
from apps.fraud.selectors import fraud_settings_get
from apps.fraud.signals import RiskFacts
from apps.fraud.tests.factories import RiskAssessmentFactory, age, failed_payment, paid_order

pytestmark = pytest.mark.django_db


def facts(**changes: Any) -> RiskFacts:
    values: dict[str, Any] = {"settings": fraud_settings_get(), "now": timezone.now()}
    values.update(changes)
    return RiskFacts(**values)


def fired(signal: S.Signal | None) -> S.Signal:
    assert signal is not None
    return signal


# ------------------------------------------------------------------------------
# Billing / shipping country
# ------------------------------------------------------------------------------
def test_billing_and_shipping_in_different_countries(in_alpha):
    order = paid_order(billing="FR", shipping="DE")
    signal = S.signal_country_mismatch(order, facts())
    assert signal is not None
    assert (signal.code, signal.weight, signal.params) == (
        SignalCode.COUNTRY_MISMATCH,
        15,
        {"billing": "FR", "shipping": "DE"},
    )
    assert "FR" in S.signal_message(signal.as_json()) and "DE" in S.signal_message(signal.as_json())


@pytest.mark.parametrize(("billing", "shipping"), [("DE", "DE"), ("de", "DE"), ("", "DE"), ("FR", "")])
def test_same_or_unknown_country_is_no_mismatch(in_alpha, billing, shipping):
    order = paid_order(billing=billing, shipping=shipping)
    assert S.signal_country_mismatch(order, facts()) is None


# ------------------------------------------------------------------------------
# Disposable email
# ------------------------------------------------------------------------------
def test_the_shipped_list_is_a_few_thousand_domains_in_a_frozenset():
    domains = S.disposable_domains()
    assert isinstance(domains, frozenset)
    assert len(domains) > 3000
    assert "mailinator.com" in domains and "gmail.com" not in domains
    assert all(not d.startswith("#") and d == d.lower() for d in domains)
    assert S.disposable_domains() is domains  # loaded once


@pytest.mark.parametrize(
    ("email", "fires"),
    [
        ("someone@mailinator.com", True),
        ("Someone@MAILINATOR.COM", True),
        ("someone@mx.mailinator.com", True),  # a subdomain of a listed domain
        ("someone@gmail.com", False),
        ("someone@mailinator.com.example.org", False),  # a listed name inside another domain
    ],
)
def test_disposable_email_domain(in_alpha, email, fires):
    order = paid_order(email=email)
    signal = S.signal_disposable_email(order, facts())
    assert (signal is not None) == fires
    if fires:
        assert fired(signal).weight == 25 and fired(signal).params["domain"].endswith("mailinator.com")


# ------------------------------------------------------------------------------
# Order value against the store's median
# ------------------------------------------------------------------------------
def test_no_value_signal_while_the_store_has_fewer_than_ten_paid_orders(in_alpha):
    for _ in range(9):
        paid_order(total="10.00")
    big = paid_order(total="500.00")
    assert S.signal_high_value(big, facts()) is None


def test_value_far_above_the_median_paid_order(in_alpha):
    for total in ["8.00", "9.00", "10.00", "10.00", "10.00", "10.00", "11.00", "12.00", "10.00", "10.00"]:
        paid_order(total=total)
    usual = paid_order(total="25.00")
    assert S.signal_high_value(usual, facts()) is None  # 2.5 times: not far enough
    big = paid_order(total="35.00")
    signal = S.signal_high_value(big, facts())
    assert signal is not None and signal.weight == 20
    assert signal.params["median"] == "10.00" and signal.params["multiple"] == "3.5"
    huge = paid_order(total="100.00")
    assert fired(S.signal_high_value(huge, facts())).weight == 40  # 6 times or more counts double


def test_the_median_is_one_query_over_the_last_paid_orders(in_alpha, django_assert_num_queries):
    for total in ["1.00", "2.00", "3.00", "100.00"]:
        paid_order(total=total)
    paid_order(total="7.00", status="cancelled", paid_at=None, cancelled_at=timezone.now(), amount_paid=0)
    with django_assert_num_queries(1):
        median, count = S.paid_order_median(currency=fraud_order_currency())
    assert (median, count) == (Decimal("2.5"), 4)


def fraud_order_currency() -> str:
    from apps.stores.selectors import store_currency_get

    return store_currency_get()


# ------------------------------------------------------------------------------
# Declined payments
# ------------------------------------------------------------------------------
def test_declined_payments_on_the_order_and_by_the_same_email_in_the_last_day(in_alpha):
    order = paid_order(email="card-tester@example.com")
    assert S.signal_declined_payments(order, facts()) is None
    failed_payment(order)
    earlier = paid_order(email="card-tester@example.com")
    failed_payment(earlier, hours_ago=2)
    failed_payment(earlier, hours_ago=30)  # too long ago
    failed_payment(paid_order(email="someone-else@example.com"))  # another shopper
    signal = S.signal_declined_payments(order, facts())
    assert signal is not None
    assert signal.params == {"count": 2, "hours": 24} and signal.weight == 20


def test_declines_count_at_most_three_times(in_alpha):
    order = paid_order()
    for _ in range(5):
        failed_payment(order)
    assert fired(S.signal_declined_payments(order, facts())).weight == 30


# ------------------------------------------------------------------------------
# Velocity per address and per card
# ------------------------------------------------------------------------------
def test_orders_from_one_address_in_the_last_hour(in_alpha):
    order = paid_order(ip="203.0.113.9")
    paid_order(ip="203.0.113.9")
    assert S.signal_ip_velocity(order, facts(ip_address="203.0.113.9")) is None  # one other: normal
    paid_order(ip="203.0.113.9")
    age(paid_order(ip="203.0.113.9"), hours=2)  # too long ago
    paid_order(ip="198.51.100.1")  # somewhere else
    signal = S.signal_ip_velocity(order, facts(ip_address="203.0.113.9"))
    assert signal is not None
    assert signal.params == {"ip": "203.0.113.9", "count": 2, "minutes": 60} and signal.weight == 20
    assert S.signal_ip_velocity(order, facts(ip_address=None)) is None


def test_velocity_counts_only_this_stores_orders(alpha, beta):
    with schema_context(beta.tenant.schema_name):
        for _ in range(4):
            paid_order(ip="203.0.113.77")
            RiskAssessmentFactory(card_fingerprint="fp_shared")
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(ip="203.0.113.77")
        seen = facts(ip_address="203.0.113.77", card_fingerprint="fp_shared")
        assert S.signal_ip_velocity(order, seen) is None
        assert S.signal_card_velocity(order, seen) is None


def test_orders_paid_with_one_card_in_the_last_hour(in_alpha):
    order = paid_order()
    RiskAssessmentFactory(card_fingerprint="fp_card")
    assert S.signal_card_velocity(order, facts(card_fingerprint="fp_card")) is None
    RiskAssessmentFactory(card_fingerprint="fp_card")
    old = RiskAssessmentFactory.create(card_fingerprint="fp_card")
    RiskAssessment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))
    RiskAssessmentFactory(card_fingerprint="fp_other")
    signal = S.signal_card_velocity(order, facts(card_fingerprint="fp_card"))
    assert signal is not None and signal.params == {"count": 2, "minutes": 60} and signal.weight == 25
    assert S.signal_card_velocity(order, facts(card_fingerprint="")) is None


# ------------------------------------------------------------------------------
# High-risk shipping country, and the shopper's own country
# ------------------------------------------------------------------------------
def test_high_risk_shipping_country_from_the_stores_list(in_alpha):
    settings = fraud_settings_get()
    assert "NG" in settings.high_risk_countries  # the default list
    order = paid_order(shipping="NG")
    signal = S.signal_high_risk_country(order, facts())
    assert signal is not None and signal.params == {"country": "NG"} and signal.weight == 25
    assert S.signal_high_risk_country(paid_order(shipping="DE"), facts()) is None
    FraudSettings.objects.update(high_risk_countries=["DE"])
    edited = facts(settings=fraud_settings_get())
    assert S.signal_high_risk_country(order, edited) is None
    assert S.signal_high_risk_country(paid_order(shipping="DE"), edited) is not None


def test_shopper_in_another_country_than_the_shipping_one(in_alpha):
    order = paid_order(shipping="DE")
    assert S.signal_ip_country_mismatch(order, facts(ip_country="")) is None  # no data: no signal
    assert S.signal_ip_country_mismatch(order, facts(ip_country="DE")) is None
    signal = S.signal_ip_country_mismatch(order, facts(ip_country="US"))
    assert signal is not None and signal.params == {"ip_country": "US", "shipping": "DE"}


# ------------------------------------------------------------------------------
# The card's fingerprint from Stripe
# ------------------------------------------------------------------------------
def test_fingerprint_read_from_a_payment_intents_charge():
    intent = {"latest_charge": {"payment_method_details": {"card": {"fingerprint": "Xt5EWLLDS7FJjR1c"}}}}
    assert S.stripe_card_fingerprint(intent) == "Xt5EWLLDS7FJjR1c"
    assert S.stripe_card_fingerprint({"latest_charge": "ch_1"}) == ""  # not expanded
    assert S.stripe_card_fingerprint({"latest_charge": {"payment_method_details": None}}) == ""


def test_fingerprint_of_the_card_that_paid_through_stripe(in_alpha, fake_stripe):
    from apps.orders.models import Payment
    from apps.payments.gateways import gateway_get
    from apps.payments.tests.factories import payment_request, stripe_connected

    stripe_connected(fake_stripe)
    started = gateway_get("stripe").start(payment_request(amount="20.00"))
    fake_stripe.payment_intent_confirm(started.external_id, payment_method="pm_card_visa")
    charge_id = fake_stripe.payment_intents[started.external_id]["latest_charge"]
    # Stripe puts the card's fingerprint on the charge; the fake leaves it out unless told.
    fake_stripe.charges[charge_id]["payment_method_details"] = {"card": {"fingerprint": "fp_from_stripe"}}
    order = paid_order()
    Payment.objects.create(
        order=order, attempt=1, gateway="stripe", external_id=started.external_id,
        idempotency_key=f"order:{order.uuid}:attempt:1", amount=Decimal("20.00"),
        currency=order.currency, status="succeeded", captured=True,
    )  # fmt: skip
    assert S.order_card_fingerprint(order) == "fp_from_stripe"
    # a dummy-paid order has no card identity
    assert S.order_card_fingerprint(paid_order()) == ""
