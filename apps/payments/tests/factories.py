"""Test data for payments. Call inside a store's schema."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from apps.payments.gateways.base import PaymentRequest
from apps.payments.models import PAYMENT_SETTINGS_PK, PaymentSettings
from apps.payments.selectors import payment_settings_get
from apps.payments.testing.fake_stripe import FakeStripe


def payment_request(
    *,
    amount: Decimal | str = "25.00",
    currency: str = "EUR",
    card: str = "4242 4242 4242 4242",
    key: str = "",
    reference: str = "",
    return_url: str = "http://alpha.platform.test/checkout/return/",
    **data: str,
) -> PaymentRequest:
    return PaymentRequest(
        reference=reference or str(uuid.uuid4()),
        amount=Decimal(amount),
        currency=currency,
        email="shopper@example.com",
        description="Order #1001",
        idempotency_key=key or f"pay-{uuid.uuid4().hex}",
        return_url=return_url,
        data={"card_number": card, **data},
    )


def settings_set(**values: Any) -> PaymentSettings:
    """This store's payment settings with `values` written straight to the row."""
    payment_settings_get()
    PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).update(**values)
    return PaymentSettings.objects.get(pk=PAYMENT_SETTINGS_PK)


def stripe_connected(fake: FakeStripe, *, complete: bool = True, enabled: bool = True) -> str:
    """Give the current store a connected account at the fake (as onboarding would); returns
    its id. The route to the store is recorded like `stripe_connect_start` does."""
    from apps.core.tenancy import require_store
    from apps.payments.platform.routes import connected_account_route_record
    from apps.tenants.models import Tenant

    account = fake.account_create(complete=complete)
    settings_set(
        stripe_enabled=enabled,
        stripe_account_id=account["id"],
        stripe_charges_enabled=account["charges_enabled"],
        stripe_payouts_enabled=account["payouts_enabled"],
        stripe_details_submitted=account["details_submitted"],
        stripe_onboarding_status="complete" if complete else "pending",
    )
    connected_account_route_record(
        account_id=account["id"], tenant=Tenant.objects.get(schema_name=require_store())
    )
    return str(account["id"])
