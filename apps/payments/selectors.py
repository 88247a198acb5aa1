"""Reads of a store's payment setup and of its dummy payments.

`payment_settings_get` answers for the schema the connection is on and creates the row with
defaults on the first read (one query once it exists); it refuses the public schema, where
there is no store.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.core.tenancy import require_store
from apps.payments.models import PAYMENT_SETTINGS_PK, DummyPayment, PaymentSettings


def payment_settings_get() -> PaymentSettings:
    """This store's payment settings, created with defaults on the first read. In the template
    schema new stores are cloned from, an unsaved default row is returned: a saved one would be
    copied into every new store."""
    schema = require_store()
    found = PaymentSettings.objects.filter(pk=PAYMENT_SETTINGS_PK).first()
    if found is not None:
        return found
    if schema == settings.TENANT_BASE_SCHEMA:
        return PaymentSettings(pk=PAYMENT_SETTINGS_PK)
    try:
        with transaction.atomic():
            return PaymentSettings.objects.create(pk=PAYMENT_SETTINGS_PK)
    except IntegrityError:
        # Another request created the row first (the primary key is pinned); read theirs.
        return PaymentSettings.objects.get(pk=PAYMENT_SETTINGS_PK)


def dummy_gateway_allowed() -> bool:
    """Does this platform allow test payments at all? Off in production settings."""
    return bool(settings.PAYMENTS_DUMMY_ENABLED)


def stripe_configured() -> bool:
    """Has the platform its Stripe keys (the Connect platform account)?"""
    return bool(settings.STRIPE_SECRET_KEY)


def dummy_payment_get(*, external_id: str) -> DummyPayment | None:
    """A dummy payment of the current store (ids of another store are not in this schema)."""
    require_store()
    return DummyPayment.objects.filter(external_id=external_id).first()


@dataclass(frozen=True)
class StripeElementConfig:
    """What the checkout page needs to mount Stripe's Payment Element for this store."""

    js_url: str
    publishable_key: str
    stripe_account: str


def stripe_element_config() -> StripeElementConfig:
    """Stripe.js address (the real one, or the local fake's), the platform's publishable key and
    the store's connected account (Stripe.js must be initialised with it for direct charges)."""
    row = payment_settings_get()
    return StripeElementConfig(
        js_url=settings.STRIPE_JS_URL,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        stripe_account=row.stripe_account_id,
    )
