"""Test data for fraud review, made inside the store's schema: bare orders with the fields the
signals read, what the storefront saw of the shopper, other orders' assessments."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from apps.fraud.enums import RiskLevel
from apps.fraud.models import OrderRiskContext, RiskAssessment
from apps.orders.models import Order, Payment
from apps.orders.tests.factories import order_row


def paid_order(
    *,
    total: str = "20.00",
    email: str = "shopper@example.com",
    shipping: str = "DE",
    billing: str = "",
    ip: str | None = None,
    **fields: Any,
) -> Order:
    """A paid order row (no lines) shipping to `shipping`, billed to `billing`, placed from `ip`."""
    values: dict[str, Any] = {
        "email": email,
        "total": Decimal(total),
        "subtotal": Decimal(total),
        "amount_paid": Decimal(total),
        "shipping_address": {"name": "Erika", "country": shipping} if shipping else {},
        "billing_address": {"name": "Erika", "country": billing} if billing else {},
    }
    if ip is not None:
        values["checkout_token"] = uuid.uuid4()
    values.update(fields)
    order = order_row(status=values.pop("status", "paid"), **values)
    if ip is not None:
        assert order.checkout_token is not None
        OrderRiskContext.objects.create(checkout_token=order.checkout_token, ip_address=ip)
    return order


def age(order: Order, *, hours: float) -> Order:
    """Make `order` look `hours` old (created and paid then)."""
    when = timezone.now() - timedelta(hours=hours)
    Order.objects.filter(pk=order.pk).update(created_at=when, paid_at=when)
    order.refresh_from_db()
    return order


def failed_payment(order: Order, *, hours_ago: float = 0) -> Payment:
    attempt = order.payments.count() + 1
    payment = Payment.objects.create(
        order=order,
        attempt=attempt,
        gateway="dummy",
        idempotency_key=f"order:{order.uuid}:attempt:{attempt}",
        amount=order.total,
        currency=order.currency,
        status="failed",
        error_code="card_declined",
    )
    if hours_ago:
        Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return payment


class RiskAssessmentFactory(factory.django.DjangoModelFactory[RiskAssessment]):
    """An assessment of a fresh paid order (low risk, not held) unless told otherwise."""

    class Meta:
        model = RiskAssessment

    order = factory.LazyFunction(lambda: paid_order())
    score = 0
    level = RiskLevel.LOW
    signals = factory.LazyFunction(list)
    held = False


def settings_set(**values: Any) -> None:
    """Change this store's fraud settings row directly (made first if missing)."""
    from apps.fraud.models import FraudSettings
    from apps.fraud.selectors import fraud_settings_get

    fraud_settings_get()
    FraudSettings.objects.update(**values)
