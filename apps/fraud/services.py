"""Fraud review: scoring paid orders, holding the risky ones, and staff decisions about them.

`order_risk_assess` scores an order once (a second call, even a concurrent one, returns the
same row: the database allows one assessment per order). A high score holds the order when the
store says so, adds a timeline entry and emits `order.risk_high`; purchasing and fulfilment ask
`order_is_held` before acting. Staff release a held order with `order_risk_approve`
(`order.risk_approved`) or cancel it with `order_risk_cancel`, which cancels and refunds through
`apps.orders.services.order_cancel`.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.fraud.enums import RiskDecision, RiskLevel
from apps.fraud.errors import FraudError, FraudErrorCode
from apps.fraud.models import FRAUD_SETTINGS_PK, FraudSettings, OrderRiskContext, RiskAssessment
from apps.fraud.selectors import fraud_settings_get
from apps.fraud.selectors import order_is_held as order_is_held
from apps.fraud.signals import RiskFacts, order_card_fingerprint, signals_collect, signals_explained
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.locks import order_lock
from apps.orders.models import Order
from apps.orders.services import order_cancel
from apps.orders.timeline import order_emit, order_event_add
from apps.platform.access import client_ip

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.checkout.models import Checkout

ORDER_RISK_HIGH = "order.risk_high"
ORDER_RISK_APPROVED = "order.risk_approved"

__all__ = [
    "ORDER_RISK_APPROVED",
    "ORDER_RISK_HIGH",
    "checkout_risk_context_record",
    "fraud_settings_update",
    "order_is_held",
    "order_risk_approve",
    "order_risk_assess",
    "order_risk_cancel",
    "risk_context_record",
    "risk_level_for",
]


def risk_level_for(score: int, settings: FraudSettings) -> RiskLevel:
    if score >= settings.high_threshold:
        return RiskLevel.HIGH
    if score >= settings.medium_threshold:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def risk_payload(assessment: RiskAssessment) -> dict[str, Any]:
    """What `order.risk_high` / `order.risk_approved` carry as `risk`."""
    return {
        "score": assessment.score,
        "level": assessment.level,
        "held": assessment.held,
        "signals": signals_explained(list(assessment.signals)),
    }


# ------------------------------------------------------------------------------
# What the storefront saw
# ------------------------------------------------------------------------------
def risk_context_record(*, checkout_token: uuid.UUID, ip_address: str | None, ip_country: str = "") -> None:
    """Remember where the shopper placing `checkout_token`'s order was (the storefront calls
    this just before placing, so the assessment at payment time finds it)."""
    try:
        ip = str(ipaddress.ip_address(ip_address)) if ip_address else None
    except ValueError:
        ip = None
    country = ip_country.strip().upper()
    if len(country) != 2 or not country.isalpha() or country in ("XX", "T1"):  # CDNs' "unknown"/Tor
        country = ""
    OrderRiskContext.objects.update_or_create(
        checkout_token=checkout_token, defaults={"ip_address": ip, "ip_country": country}
    )


def checkout_risk_context_record(request: HttpRequest, checkout: Checkout) -> None:
    """`risk_context_record` for the shopper placing `checkout`'s order in `request` (the
    storefront's pages and its API call it just before placing): their address, as the
    project's audit trails read it, and, when the deployment names a header its proxy sets with
    the address's country (`FRAUD_IP_COUNTRY_HEADER`, e.g. "HTTP_CF_IPCOUNTRY" behind
    Cloudflare), that country."""
    header = str(getattr(settings, "FRAUD_IP_COUNTRY_HEADER", "") or "")
    country = str(request.META.get(header, "")) if header else ""
    risk_context_record(checkout_token=checkout.token, ip_address=client_ip(request), ip_country=country)


# ------------------------------------------------------------------------------
# Assessing
# ------------------------------------------------------------------------------
def _facts(order: Order) -> RiskFacts:
    context = (
        OrderRiskContext.objects.filter(checkout_token=order.checkout_token).first()
        if order.checkout_token
        else None
    )
    return RiskFacts(
        settings=fraud_settings_get(),
        now=timezone.now(),
        ip_address=context.ip_address if context else None,
        ip_country=context.ip_country if context else "",
        card_fingerprint=order_card_fingerprint(order),
    )


def order_risk_assess(order: Order) -> RiskAssessment:
    """The order's risk assessment, made now if it has none (idempotent: an existing one is
    returned unchanged, and two concurrent calls leave one row).

    The score is the sum of the signals' weights, at most 100; the store's thresholds give the
    level. A high-risk order is held when the store holds them (and is not cancelled already).
    Medium and high assessments add a RISK_ASSESSED timeline entry; high ones emit
    `order.risk_high` with `risk={score, level, held, signals}`."""
    existing = RiskAssessment.objects.filter(order_id=order.pk).first()
    if existing is not None:
        return existing
    # Gathered outside any lock: it may ask Stripe for the card, and reads only.
    facts = _facts(order)
    signals = signals_collect(order, facts)
    score = min(100, sum(signal.weight for signal in signals))
    level = risk_level_for(score, facts.settings)
    held = level == RiskLevel.HIGH and facts.settings.hold_high_risk and order.status != OrderStatus.CANCELLED
    try:
        with transaction.atomic():
            assessment = RiskAssessment.objects.create(
                order=order,
                score=score,
                level=level,
                signals=[signal.as_json() for signal in signals],
                held=held,
                ip_address=facts.ip_address,
                card_fingerprint=facts.card_fingerprint,
            )
            if level != RiskLevel.LOW:
                order_event_add(
                    order=order,
                    kind=OrderEventKind.RISK_ASSESSED,
                    params={"level": level, "score": score, "held": held},
                )
            if level == RiskLevel.HIGH:
                order_emit(name=ORDER_RISK_HIGH, order=order, risk=risk_payload(assessment))
    except IntegrityError:
        # Another call assessed the order meanwhile (the one-to-one is unique): that row stands.
        existing = RiskAssessment.objects.filter(order_id=order.pk).first()
        if existing is None:
            raise
        return existing
    return assessment


# ------------------------------------------------------------------------------
# Staff decisions
# ------------------------------------------------------------------------------
def _undecided_locked(order: Order) -> tuple[Order, RiskAssessment]:
    """Lock the order (then its assessment, as `apps.orders.locks` orders them) and check that
    a decision may still be taken."""
    locked = order_lock(order_id=order.pk)
    assessment = RiskAssessment.objects.select_for_update().filter(order_id=order.pk).first()
    if assessment is None:
        raise FraudError(
            _("Order #%(number)s has no risk assessment.") % {"number": locked.number},
            code=FraudErrorCode.NOT_ASSESSED,
            params={"number": locked.number},
        )
    if assessment.decision:
        raise FraudError(
            _("Order #%(number)s was already reviewed.") % {"number": locked.number},
            code=FraudErrorCode.ALREADY_DECIDED,
            params={"number": locked.number, "decision": assessment.decision},
        )
    if locked.status == OrderStatus.CANCELLED:
        raise FraudError(
            _("Order #%(number)s is already cancelled.") % {"number": locked.number},
            code=FraudErrorCode.ORDER_CANCELLED,
            params={"number": locked.number},
        )
    return locked, assessment


def _decide(assessment: RiskAssessment, *, decision: str, actor: User | None, reason: str = "") -> None:
    assessment.held = False
    assessment.decision = decision
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    assessment.decision_reason = reason[:255]
    assessment.save(
        update_fields=["held", "decision", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )


def order_risk_approve(*, order: Order, actor: User | None) -> RiskAssessment:
    """Release the order after review: no longer held, a RISK_APPROVED timeline entry, and
    `order.risk_approved` (with `risk`, whose `held` says whether it had been held) so that
    the work waiting on it (supplier orders) goes ahead."""
    with transaction.atomic():
        locked, assessment = _undecided_locked(order)
        was_held = assessment.held
        _decide(assessment, decision=RiskDecision.APPROVE, actor=actor)
        order_event_add(
            order=locked,
            kind=OrderEventKind.RISK_APPROVED,
            params={"level": assessment.level, "score": assessment.score},
            actor=actor,
        )
        order_emit(
            name=ORDER_RISK_APPROVED, order=locked, risk={**risk_payload(assessment), "held": was_held}
        )
    return assessment


def order_risk_cancel(*, order: Order, actor: User | None, reason: str = "") -> RiskAssessment:
    """Cancel the order after review through `order_cancel`: payments under way cancelled,
    money taken refunded through its gateway, stock put back. A refund the gateway refuses
    stops everything (`OrderError` REFUND_FAILED) and the order stays held."""
    text = str(reason or "").strip()[:255] or _("Cancelled after fraud review.")
    with transaction.atomic():
        locked, assessment = _undecided_locked(order)
        order_cancel(order=locked, actor=actor, reason=text)
        _decide(assessment, decision=RiskDecision.CANCEL, actor=actor, reason=text)
    return assessment


# ------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------
def fraud_settings_update(
    *, medium_threshold: int, high_threshold: int, hold_high_risk: bool, high_risk_countries: list[str]
) -> FraudSettings:
    """Change the store's fraud rules (applies to orders assessed from now on)."""
    from apps.stores.regional import country_is_valid

    if not (1 <= medium_threshold < high_threshold <= 100):
        raise FraudError(
            _("The medium threshold must be at least 1 and below the high one, which is at most 100."),
            code=FraudErrorCode.SETTINGS_INVALID,
            field="high_threshold",
            params={"medium": medium_threshold, "high": high_threshold},
        )
    countries = sorted({str(code).strip().upper() for code in high_risk_countries if str(code).strip()})
    unknown = [code for code in countries if not country_is_valid(code)]
    if unknown:
        raise FraudError(
            _("Not ISO 3166-1 country codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            code=FraudErrorCode.SETTINGS_INVALID,
            field="high_risk_countries",
            params={"codes": unknown},
        )
    with transaction.atomic():
        fraud_settings_get()
        current = FraudSettings.objects.select_for_update().get(pk=FRAUD_SETTINGS_PK)
        current.medium_threshold = medium_threshold
        current.high_threshold = high_threshold
        current.hold_high_risk = hold_high_risk
        current.high_risk_countries = countries
        current.save()
    return current
