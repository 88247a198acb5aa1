"""The risk signals: each looks at one thing about an order and, when it looks wrong, returns a
`Signal` with its weight and the parameters its explanation is built from.

Each signal is a small function of (order, facts) so that it can be tested on its own; the
facts the checks share (settings, what the storefront saw, the card) are gathered once by
`apps.fraud.services`. Every query here runs in the current store's schema, so counts never
include another store's orders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Aggregate, Count, DecimalField, Q
from django.utils.translation import gettext as _

from apps.fraud.enums import SignalCode
from apps.fraud.models import FraudSettings, OrderRiskContext, RiskAssessment
from apps.orders.models import Order, Payment
from apps.payments.enums import GatewayCode, PaymentStatus

logger = logging.getLogger(__name__)

DISPOSABLE_DOMAINS_FILE = Path(__file__).resolve().parent / "data" / "disposable_email_domains.txt"

# Order value: compared with the median of the store's last paid orders, once it has enough.
MEDIAN_WINDOW = 100
MEDIAN_MIN_ORDERS = 10
HIGH_VALUE_MULTIPLE = Decimal(3)
VERY_HIGH_VALUE_MULTIPLE = Decimal(6)
# Declined payments: on this order, and on any order of the same email in the last day.
DECLINE_WINDOW = timedelta(hours=24)
# Velocity: other orders from the same network address / card in the last hour.
VELOCITY_WINDOW = timedelta(hours=1)
IP_VELOCITY_MIN = 2
CARD_VELOCITY_MIN = 2

WEIGHTS = {
    SignalCode.COUNTRY_MISMATCH: 15,
    SignalCode.DISPOSABLE_EMAIL: 25,
    SignalCode.HIGH_VALUE: 20,
    SignalCode.DECLINED_PAYMENTS: 10,  # per decline, up to three
    SignalCode.IP_VELOCITY: 20,
    SignalCode.CARD_VELOCITY: 25,
    SignalCode.HIGH_RISK_COUNTRY: 25,
    SignalCode.IP_COUNTRY_MISMATCH: 15,
}


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": str(self.code), "weight": self.weight, "params": self.params}


@dataclass(frozen=True)
class RiskFacts:
    """What the signals need beyond the order itself, gathered once per assessment."""

    settings: FraudSettings
    now: datetime
    ip_address: str | None = None
    ip_country: str = ""
    card_fingerprint: str = ""


# ------------------------------------------------------------------------------
# Reading the order
# ------------------------------------------------------------------------------
def address_country(address: Mapping[str, Any] | None) -> str:
    return str((address or {}).get("country") or "").strip().upper()[:2]


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


@cache
def disposable_domains() -> frozenset[str]:
    """The shipped list of disposable email domains, read once per process."""
    lines = DISPOSABLE_DOMAINS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#")
    )


def is_disposable_domain(domain: str) -> bool:
    """The domain or any parent of it (mail.tempmail.example) is on the list."""
    domains = disposable_domains()
    parts = domain.lower().split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))


class _Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DecimalField(max_digits=14, decimal_places=3)


def paid_order_median(*, currency: str, exclude_order_id: int | None = None) -> tuple[Decimal | None, int]:
    """(median total, how many orders it was taken over) of the store's last `MEDIAN_WINDOW`
    paid orders in `currency`, in one query."""
    recent = Order.objects.filter(paid_at__isnull=False, currency=currency)
    if exclude_order_id is not None:
        recent = recent.exclude(pk=exclude_order_id)
    # Aggregating a sliced queryset wraps it in a subquery: one query over the last N rows.
    result = recent.order_by("-paid_at", "-id")[:MEDIAN_WINDOW].aggregate(
        median=_Median("total"), count=Count("pk")
    )
    median = result["median"]
    return (Decimal(median) if median is not None else None), int(result["count"] or 0)


# ------------------------------------------------------------------------------
# The signals
# ------------------------------------------------------------------------------
def signal_country_mismatch(order: Order, facts: RiskFacts) -> Signal | None:
    billing = address_country(order.billing_address)
    shipping = address_country(order.shipping_address)
    if not billing or not shipping or billing == shipping:
        return None
    return Signal(
        SignalCode.COUNTRY_MISMATCH,
        WEIGHTS[SignalCode.COUNTRY_MISMATCH],
        {"billing": billing, "shipping": shipping},
    )


def signal_disposable_email(order: Order, facts: RiskFacts) -> Signal | None:
    domain = email_domain(order.email)
    if not domain or not is_disposable_domain(domain):
        return None
    return Signal(SignalCode.DISPOSABLE_EMAIL, WEIGHTS[SignalCode.DISPOSABLE_EMAIL], {"domain": domain})


def signal_high_value(order: Order, facts: RiskFacts) -> Signal | None:
    median, count = paid_order_median(currency=order.currency, exclude_order_id=order.pk)
    if median is None or count < MEDIAN_MIN_ORDERS or median <= 0:
        return None
    multiple = (order.total / median).quantize(Decimal("0.1"))
    if multiple < HIGH_VALUE_MULTIPLE:
        return None
    weight = WEIGHTS[SignalCode.HIGH_VALUE] * (2 if multiple >= VERY_HIGH_VALUE_MULTIPLE else 1)
    return Signal(
        SignalCode.HIGH_VALUE,
        weight,
        {
            "total": str(order.total),
            "median": str(median.quantize(Decimal("0.01"))),
            "multiple": str(multiple),
            "currency": order.currency,
            "orders": count,
        },
    )


def signal_declined_payments(order: Order, facts: RiskFacts) -> Signal | None:
    declined = Payment.objects.filter(status=PaymentStatus.FAILED).filter(
        Q(order=order) | Q(order__email=order.email, created_at__gte=facts.now - DECLINE_WINDOW)
    )
    count = declined.count()
    if count == 0:
        return None
    weight = WEIGHTS[SignalCode.DECLINED_PAYMENTS] * min(count, 3)
    return Signal(SignalCode.DECLINED_PAYMENTS, weight, {"count": count, "hours": 24})


def signal_ip_velocity(order: Order, facts: RiskFacts) -> Signal | None:
    if not facts.ip_address:
        return None
    tokens = OrderRiskContext.objects.filter(ip_address=facts.ip_address).values("checkout_token")
    others = (
        Order.objects.filter(checkout_token__in=tokens, created_at__gte=facts.now - VELOCITY_WINDOW)
        .exclude(pk=order.pk)
        .count()
    )
    if others < IP_VELOCITY_MIN:
        return None
    weight = WEIGHTS[SignalCode.IP_VELOCITY] * (2 if others >= 2 * IP_VELOCITY_MIN + 1 else 1)
    return Signal(SignalCode.IP_VELOCITY, weight, {"ip": facts.ip_address, "count": others, "minutes": 60})


def signal_card_velocity(order: Order, facts: RiskFacts) -> Signal | None:
    if not facts.card_fingerprint:
        return None
    others = (
        RiskAssessment.objects.filter(
            card_fingerprint=facts.card_fingerprint, created_at__gte=facts.now - VELOCITY_WINDOW
        )
        .exclude(order_id=order.pk)
        .count()
    )
    if others < CARD_VELOCITY_MIN:
        return None
    return Signal(
        SignalCode.CARD_VELOCITY, WEIGHTS[SignalCode.CARD_VELOCITY], {"count": others, "minutes": 60}
    )


def signal_high_risk_country(order: Order, facts: RiskFacts) -> Signal | None:
    country = address_country(order.shipping_address)
    if not country or country not in {c.upper() for c in facts.settings.high_risk_countries}:
        return None
    return Signal(SignalCode.HIGH_RISK_COUNTRY, WEIGHTS[SignalCode.HIGH_RISK_COUNTRY], {"country": country})


def signal_ip_country_mismatch(order: Order, facts: RiskFacts) -> Signal | None:
    shipping = address_country(order.shipping_address)
    if not facts.ip_country or not shipping or facts.ip_country == shipping:
        return None
    return Signal(
        SignalCode.IP_COUNTRY_MISMATCH,
        WEIGHTS[SignalCode.IP_COUNTRY_MISMATCH],
        {"ip_country": facts.ip_country, "shipping": shipping},
    )


SIGNALS: tuple[Callable[[Order, RiskFacts], Signal | None], ...] = (
    signal_country_mismatch,
    signal_disposable_email,
    signal_high_value,
    signal_declined_payments,
    signal_ip_velocity,
    signal_card_velocity,
    signal_high_risk_country,
    signal_ip_country_mismatch,
)


def signals_collect(order: Order, facts: RiskFacts) -> list[Signal]:
    """Every signal that fired, heaviest first."""
    found = [signal for check in SIGNALS if (signal := check(order, facts)) is not None]
    return sorted(found, key=lambda s: (-s.weight, str(s.code)))


# ------------------------------------------------------------------------------
# The card behind a Stripe payment
# ------------------------------------------------------------------------------
def stripe_card_fingerprint(intent: Mapping[str, Any]) -> str:
    """`card.fingerprint` of a PaymentIntent's charge (expanded `latest_charge`), "" if absent.
    Stripe gives the same fingerprint to the same card number in every account."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, Mapping):
        return ""
    details = charge.get("payment_method_details")
    card = details.get("card") if isinstance(details, Mapping) else None
    fingerprint = card.get("fingerprint") if isinstance(card, Mapping) else None
    return str(fingerprint or "")[:100]


def order_card_fingerprint(order: Order) -> str:
    """The fingerprint of the card that paid `order` through Stripe, asked of Stripe; "" for
    other gateways (the dummy and manual ones know no card identity) or when Stripe cannot
    answer now."""
    from apps.payments.errors import PaymentError
    from apps.payments.gateways.base import gateway_get

    payment = (
        order.payments.filter(gateway=GatewayCode.STRIPE, captured=True)
        .exclude(external_id="")
        .order_by("-attempt")
        .first()
    )
    if payment is None:
        return ""
    try:
        result = gateway_get(GatewayCode.STRIPE, enabled_only=False).retrieve(external_id=payment.external_id)
    except PaymentError:
        logger.warning("could not read the card of payment %s for fraud checks", payment.external_id)
        return ""
    return stripe_card_fingerprint(result.raw)


# ------------------------------------------------------------------------------
# Explaining a stored signal
# ------------------------------------------------------------------------------
class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def signal_message(signal: Mapping[str, Any]) -> str:
    """A stored signal (`RiskAssessment.signals` item) as a sentence in the active language."""
    p = _Params(signal.get("params") or {})
    code = signal.get("code")
    C = SignalCode
    messages = {
        C.COUNTRY_MISMATCH: _("Billing country %(billing)s differs from shipping country %(shipping)s."),
        C.DISPOSABLE_EMAIL: _("The email address uses %(domain)s, a disposable email service."),
        C.HIGH_VALUE: _(
            "The total %(total)s %(currency)s is %(multiple)s times the store's median paid order "
            "(%(median)s %(currency)s over the last %(orders)s orders)."
        ),
        C.DECLINED_PAYMENTS: _(
            "%(count)s declined payment attempts on this order or by the same email in the last %(hours)s hours."
        ),
        C.IP_VELOCITY: _("%(count)s other orders from the address %(ip)s in the last %(minutes)s minutes."),
        C.CARD_VELOCITY: _("%(count)s other orders paid with the same card in the last %(minutes)s minutes."),
        C.HIGH_RISK_COUNTRY: _("Ships to %(country)s, on the store's list of high-risk countries."),
        C.IP_COUNTRY_MISMATCH: _("The shopper was in %(ip_country)s but ships to %(shipping)s."),
    }
    try:
        message = messages.get(C(str(code)))
    except ValueError:
        message = None
    if message is None:
        return str(code)
    return message % p


def signals_explained(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored signals with their label and sentence, for pages and events."""
    explained = []
    for signal in signals:
        code = str(signal.get("code") or "")
        label = SignalCode(code).label if code in SignalCode.values else code
        explained.append({**signal, "label": str(label), "message": signal_message(signal)})
    return explained
