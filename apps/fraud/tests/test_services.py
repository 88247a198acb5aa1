"""Assessing an order (score, level, hold, timeline, events; once only) and the staff
decisions (approve releases it, cancel refunds through the gateway it was paid with)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.models import EventRecord
from apps.fraud.enums import RiskDecision, RiskLevel, SignalCode
from apps.fraud.errors import FraudError, FraudErrorCode
from apps.fraud.models import RiskAssessment
from apps.fraud.selectors import fraud_settings_get, order_is_held
from apps.fraud.services import (
    fraud_settings_update,
    order_risk_approve,
    order_risk_assess,
    order_risk_cancel,
    risk_level_for,
)
from apps.fraud.tests.factories import failed_payment, paid_order, settings_set
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order
from apps.orders.tests.factories import order_placed
from apps.payments.models import DummyPayment

pytestmark = pytest.mark.django_db

RISKY = {"email": "x@mailinator.com", "shipping": "NG", "billing": "GB"}  # 25 + 25 + 15 = 65


def _events(name: str) -> list[EventRecord]:
    return list(EventRecord.objects.filter(name=name).order_by("created_at"))


# ------------------------------------------------------------------------------
# Score and level
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "low"), (29, "low"), (30, "medium"), (59, "medium"), (60, "high"), (100, "high")],
)
def test_levels_at_the_default_thresholds(in_alpha, score, level):
    assert risk_level_for(score, fraud_settings_get()) == level


def test_levels_follow_the_stores_thresholds(in_alpha):
    settings = fraud_settings_update(
        medium_threshold=10, high_threshold=40, hold_high_risk=True, high_risk_countries=["ng", "GH "]
    )
    assert settings.high_risk_countries == ["GH", "NG"]
    assert [risk_level_for(s, settings) for s in (9, 10, 39, 40)] == ["low", "medium", "medium", "high"]


@pytest.mark.parametrize(
    ("medium", "high", "countries"),
    [(40, 40, []), (0, 50, []), (30, 101, []), (30, 60, ["XX", "DE"])],
)
def test_settings_that_make_no_sense_are_refused(in_alpha, medium, high, countries):
    with pytest.raises(FraudError) as refused:
        fraud_settings_update(
            medium_threshold=medium, high_threshold=high, hold_high_risk=True, high_risk_countries=countries
        )
    assert refused.value.code == FraudErrorCode.SETTINGS_INVALID
    assert fraud_settings_get().medium_threshold == 30  # unchanged


def test_a_clean_order_is_low_risk_not_held_and_adds_nothing(in_alpha):
    order = paid_order()
    assessment = order_risk_assess(order)
    assert (assessment.score, assessment.level, assessment.held, assessment.signals) == (0, "low", False, [])
    assert not order.events.filter(kind=OrderEventKind.RISK_ASSESSED).exists()
    assert not order_is_held(order)


def test_the_score_adds_the_signals_weights_at_the_medium_threshold(in_alpha):
    order = paid_order(email="x@mailinator.com", billing="FR")  # 25 + 15 = 40
    settings_set(medium_threshold=40, high_threshold=41)
    assessment = order_risk_assess(order)
    assert assessment.score == 40 and assessment.level == RiskLevel.MEDIUM and not assessment.held
    assert [s["code"] for s in assessment.signals] == [
        SignalCode.DISPOSABLE_EMAIL,
        SignalCode.COUNTRY_MISMATCH,
    ]
    assert [s["weight"] for s in assessment.signals] == [25, 15]
    [entry] = order.events.filter(kind=OrderEventKind.RISK_ASSESSED)
    assert entry.params == {"level": "medium", "score": 40, "held": False}
    assert _events("order.risk_high") == []


def test_a_high_score_holds_the_order_and_announces_it(in_alpha):
    order = paid_order(**RISKY)
    assessment = order_risk_assess(order)
    assert assessment.score == 65 and assessment.level == RiskLevel.HIGH and assessment.held
    assert order_is_held(order)
    [entry] = order.events.filter(kind=OrderEventKind.RISK_ASSESSED)
    assert entry.params["level"] == "high"
    from apps.orders.timeline import order_event_message

    assert order_event_message(entry) == "Fraud risk high (score 65)."
    [event] = _events("order.risk_high")
    assert event.payload["order"] == str(order.uuid)
    risk = event.payload["risk"]
    assert (risk["score"], risk["level"], risk["held"]) == (65, "high", True)
    assert {s["code"] for s in risk["signals"]} == {
        "disposable_email",
        "high_risk_country",
        "country_mismatch",
    }
    assert all(s["message"] and s["weight"] for s in risk["signals"])


def test_a_store_that_does_not_hold_only_flags_high_risk(in_alpha):
    settings_set(hold_high_risk=False)
    assessment = order_risk_assess(paid_order(**RISKY))
    assert assessment.level == RiskLevel.HIGH and not assessment.held


def test_the_score_is_at_most_100(in_alpha):
    order = paid_order(ip="203.0.113.50", **RISKY)
    for _ in range(6):
        paid_order(ip="203.0.113.50")
    for _ in range(3):
        failed_payment(order)
    assessment = order_risk_assess(order)
    assert sum(s["weight"] for s in assessment.signals) > 100
    assert assessment.score == 100


# ------------------------------------------------------------------------------
# Once only
# ------------------------------------------------------------------------------
def test_assessing_twice_returns_the_first_assessment(in_alpha):
    order = paid_order(**RISKY)
    first = order_risk_assess(order)
    settings_set(high_risk_countries=[])  # would score differently now
    second = order_risk_assess(Order.objects.get(pk=order.pk))
    assert second.pk == first.pk and second.score == 65
    assert RiskAssessment.objects.filter(order=order).count() == 1
    assert order.events.filter(kind=OrderEventKind.RISK_ASSESSED).count() == 1
    assert len(_events("order.risk_high")) == 1


def test_paying_an_order_assesses_it(in_alpha, django_capture_on_commit_callbacks):
    # when an order is placed and paid (the dummy gateway pays at once) and the change commits
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="buyer@mailinator.com")
    # then the order.paid subscriber assessed it
    assessment = RiskAssessment.objects.get(order=order)
    assert assessment.score == 25 and assessment.level == RiskLevel.LOW


# ------------------------------------------------------------------------------
# Decisions
# ------------------------------------------------------------------------------
def test_a_held_order_stays_held_until_approved(in_alpha, alpha):
    order = paid_order(**RISKY)
    order_risk_assess(order)
    assert order_is_held(order)
    assert order_is_held(order)  # asking does not release it
    reviewer = _staff(alpha, "finance")
    assessment = order_risk_approve(order=order, actor=reviewer)
    assert not order_is_held(order)
    assert (assessment.decision, assessment.decided_by, assessment.held) == (
        RiskDecision.APPROVE,
        reviewer,
        False,
    )
    assert assessment.decided_at is not None
    [entry] = order.events.filter(kind=OrderEventKind.RISK_APPROVED)
    assert entry.actor == reviewer
    [event] = _events("order.risk_approved")
    assert event.payload["order"] == str(order.uuid)
    assert event.payload["risk"]["held"] is True and event.payload["risk"]["level"] == "high"


def test_a_decision_is_taken_once(in_alpha):
    order = paid_order(**RISKY)
    order_risk_assess(order)
    order_risk_approve(order=order, actor=None)
    with pytest.raises(FraudError) as again:
        order_risk_approve(order=order, actor=None)
    assert again.value.code == FraudErrorCode.ALREADY_DECIDED
    with pytest.raises(FraudError) as cancel:
        order_risk_cancel(order=order, actor=None, reason="changed my mind")
    assert cancel.value.code == FraudErrorCode.ALREADY_DECIDED
    assert len(_events("order.risk_approved")) == 1


def test_an_order_never_assessed_cannot_be_decided(in_alpha):
    with pytest.raises(FraudError) as refused:
        order_risk_approve(order=paid_order(), actor=None)
    assert refused.value.code == FraudErrorCode.NOT_ASSESSED


def test_cancelling_refunds_through_the_dummy_gateway(in_alpha, alpha):
    order = order_placed(email="thief@mailinator.com", price="40.00")
    settings_set(medium_threshold=10, high_threshold=20)
    order_risk_assess(order)
    assert order_is_held(order)
    reviewer = _staff(alpha, "finance")
    # when
    assessment = order_risk_cancel(order=order, actor=reviewer, reason="Stolen card")
    # then the order is cancelled and its money went back through the dummy gateway
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "Stolen card"
    assert order.amount_refunded == order.amount_paid > 0
    [refund] = order.refunds.all()
    assert refund.status == "succeeded" and refund.amount == order.amount_paid
    dummy = DummyPayment.objects.get(reference=str(order.uuid))
    assert dummy.amount_refunded == order.amount_paid
    assert (assessment.decision, assessment.held, assessment.decision_reason) == (
        RiskDecision.CANCEL,
        False,
        "Stolen card",
    )
    assert not order_is_held(order)
    assert _events("order.risk_approved") == []


def test_a_refused_refund_leaves_the_order_held(in_alpha, monkeypatch):
    from apps.fraud import services
    from apps.orders.errors import OrderError, OrderErrorCode

    order = paid_order(**RISKY)
    order_risk_assess(order)

    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise OrderError("The gateway refused the refund.", code=OrderErrorCode.REFUND_FAILED)

    monkeypatch.setattr(services, "order_cancel", refuse)
    with pytest.raises(OrderError):
        order_risk_cancel(order=order, actor=None)
    assert order_is_held(order)
    assert RiskAssessment.objects.get(order=order).decision == ""


def _staff(world, role):  # type: ignore[no-untyped-def]
    import uuid

    from tests.fixtures import make_store_user

    return make_store_user(world, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role=role)


def test_money_amounts_are_decimals(in_alpha):
    order = paid_order(total="12.50")
    assert order.total == Decimal("12.50")
