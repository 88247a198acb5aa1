"""Stripe objects the platform sets up once for billing, each kept by id in `BillingStripeObject`:

- **The Customer Portal configuration** (`portal_configuration_ensure`). Merchants change their
  card, see invoices and cancel in the Portal; switching plans there is switched off
  (`subscription_update.enabled = false`), because a plan change goes through the console,
  which refuses a downgrade below current usage (apps.billing.plan_change) — the Portal would
  let Stripe change the price unchecked. Address and VAT id are edited in the console too
  (apps.billing.billing_details pushes them to the customer), so `customer_update` is off.
  Every Portal session names this configuration, never the account's default one.
- **The AI-credits Billing Meter** (`meter_ensure`): the meter whose `event_name` the usage
  reporter sends (apps.billing.metering, `Meter.AI_CREDITS`), summing the events' `value` per
  customer (`payload.stripe_customer_id`). The plan sync prices it per plan
  (apps.billing.plan_sync).

Idempotent: the stored id is used while Stripe still has the object as wanted (a configuration
changed by hand is set back); a create carries an idempotency key naming what it creates, so a
crash between Stripe's answer and the save gets the same object when run again.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import stripe
from django.db import transaction

from apps.billing.models import BillingStripeObject, Meter

logger = logging.getLogger(__name__)

PORTAL_CONFIGURATION_KEY = "portal_configuration"
# Bump when PORTAL_FEATURES change: a new idempotency key, so a new configuration is made once.
PORTAL_FEATURES_VERSION = 1
PORTAL_FEATURES: dict[str, dict[str, Any]] = {
    "customer_update": {"enabled": False},
    "invoice_history": {"enabled": True},
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {"enabled": True, "mode": "at_period_end", "proration_behavior": "none"},
    "subscription_update": {"enabled": False},
}


def meter_key(event_name: str) -> str:
    return f"meter:{event_name}"


def _stored(key: str) -> str:
    return BillingStripeObject.objects.filter(key=key).values_list("stripe_id", flat=True).first() or ""


def _store(key: str, stripe_id: str) -> None:
    with transaction.atomic():
        BillingStripeObject.objects.update_or_create(key=key, defaults={"stripe_id": stripe_id})


def _missing(error: stripe.InvalidRequestError) -> bool:
    return getattr(error, "code", "") == "resource_missing"


def _portal_configuration_matches(configuration: Any) -> bool:
    if not configuration.get("active"):
        return False
    features = configuration.get("features") or {}
    for name, wanted in PORTAL_FEATURES.items():
        current = features.get(name) or {}
        if any(current.get(field) != value for field, value in wanted.items()):
            return False
    return True


def portal_configuration_ensure(client: stripe.StripeClient, *, verify: bool = True) -> str:
    """The id of the platform's Customer Portal configuration (plan switching off), created or
    set back when Stripe's differs. Without `verify`, a stored id is returned without asking
    Stripe (the Portal session then names it; the plan sync verifies it)."""
    stored = _stored(PORTAL_CONFIGURATION_KEY)
    if stored and not verify:
        return stored
    configuration = None
    if stored:
        try:
            configuration = client.v1.billing_portal.configurations.retrieve(stored)
        except stripe.InvalidRequestError as error:
            if not _missing(error):
                raise
            logger.warning("billing: Stripe does not know portal configuration %s; creating one", stored)
    if configuration is not None:
        if not _portal_configuration_matches(configuration):
            configuration = client.v1.billing_portal.configurations.update(
                str(configuration.id), params=cast(Any, {"active": True, "features": PORTAL_FEATURES})
            )
        return str(configuration.id)
    configuration = client.v1.billing_portal.configurations.create(
        params=cast(
            Any,
            {
                "features": PORTAL_FEATURES,
                "metadata": {"purpose": "platform-billing", "version": str(PORTAL_FEATURES_VERSION)},
            },
        ),
        options={
            "idempotency_key": f"billing-portal-configuration-v{PORTAL_FEATURES_VERSION}-{stored or 'none'}"
        },
    )
    _store(PORTAL_CONFIGURATION_KEY, str(configuration.id))
    return str(configuration.id)


def portal_configuration_forget() -> None:
    """Drop the stored id (Stripe answered that it does not know it)."""
    BillingStripeObject.objects.filter(key=PORTAL_CONFIGURATION_KEY).delete()


def _meter_usable(meter: Any, event_name: str) -> bool:
    return meter.get("status") == "active" and meter.get("event_name") == event_name


def meter_ensure(client: stripe.StripeClient, *, event_name: str = Meter.AI_CREDITS) -> str:
    """The id of the active Billing Meter for `event_name` (summing `value` per customer):
    the stored one, else an active meter Stripe already has for the name (made by hand, or by a
    run that crashed before saving), else a new one."""
    key = meter_key(event_name)
    stored = _stored(key)
    if stored:
        try:
            meter = client.v1.billing.meters.retrieve(stored)
        except stripe.InvalidRequestError as error:
            if not _missing(error):
                raise
            meter = None
        if meter is not None and _meter_usable(meter, event_name):
            return stored
    # Stripe allows one active meter per event name: find it before making one.
    found = next(
        (
            meter
            for meter in client.v1.billing.meters.list(
                params={"status": "active", "limit": 100}
            ).auto_paging_iter()
            if _meter_usable(meter, event_name)
        ),
        None,
    )
    if found is None:
        found = client.v1.billing.meters.create(
            params=cast(
                Any,
                {
                    "display_name": str(Meter(event_name).label),
                    "event_name": event_name,
                    "default_aggregation": {"formula": "sum"},
                    "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
                    "value_settings": {"event_payload_key": "value"},
                },
            ),
            options={"idempotency_key": f"billing-meter-{event_name}"},
        )
    _store(key, str(found.id))
    return str(found.id)
