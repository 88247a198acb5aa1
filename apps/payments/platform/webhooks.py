"""Stripe Connect webhooks: store first, then handle once, in the right store.

1. `webhook_event_store` writes the verified event (autocommit: it is kept whatever handling
   does next). A redelivery finds the row by Stripe's event id.
2. `webhook_event_process` handles it in one transaction that holds the event row's lock, so
   ten simultaneous deliveries of one event run the handler once: the first handles and marks
   it processed, the others wait on the lock, then see it processed and do nothing. The event is
   routed by its connected account (`event.account`) through `ConnectedAccountRoute`; an
   account no store connected is stored as ignored. Inside the store's schema:
   - `payment_intent.*` and `charge.refunded` become a `PaymentUpdate` for
     `payment_update_dispatch` (the consumer, orders, keeps payments monotonic using
     `occurred_at`, the event's `created`);
   - `account.updated` goes to `stripe_account_status_apply`, which ignores a state older than
     the one applied.
   A handler that raises rolls everything back; the failure is then recorded in a transaction
   of its own (status failed, attempts, last error) and the view answers 500 so Stripe retries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.payments.connect import stripe_account_status_apply
from apps.payments.enums import GatewayCode, PaymentStatus
from apps.payments.gateways.base import PaymentUpdate
from apps.payments.gateways.stripe import charge_status, intent_status, stripe_error_message
from apps.payments.platform.models import StripeWebhookEvent
from apps.payments.platform.routes import connected_account_tenant
from apps.payments.stripe_client import stripe_amount_to_decimal
from apps.payments.updates import payment_update_dispatch

logger = logging.getLogger(__name__)

Status = StripeWebhookEvent.Status

# The status an event of this type announces, whatever else its snapshot says.
INTENT_EVENTS: dict[str, PaymentStatus | None] = {
    "payment_intent.succeeded": PaymentStatus.SUCCEEDED,
    "payment_intent.payment_failed": PaymentStatus.FAILED,
    "payment_intent.canceled": PaymentStatus.CANCELLED,
    "payment_intent.processing": PaymentStatus.PROCESSING,
    "payment_intent.requires_action": PaymentStatus.REQUIRES_ACTION,
    "payment_intent.amount_capturable_updated": PaymentStatus.AUTHORIZED,
    "payment_intent.partially_funded": None,  # read from the snapshot
}
CHARGE_EVENTS = frozenset({"charge.refunded"})
ACCOUNT_EVENTS = frozenset({"account.updated"})
HANDLED_TYPES = frozenset(INTENT_EVENTS) | CHARGE_EVENTS | ACCOUNT_EVENTS
LAST_ERROR_MAX = 4000


def _created(data: Mapping[str, Any]) -> datetime | None:
    created = data.get("created")
    if isinstance(created, int) and not isinstance(created, bool):
        return datetime.fromtimestamp(created, tz=UTC)
    return None


def webhook_event_store(*, data: Mapping[str, Any]) -> StripeWebhookEvent:
    """Keep a verified event (idempotent on its id; never inside the caller's transaction)."""
    event, _created_now = StripeWebhookEvent.objects.get_or_create(
        event_id=str(data["id"])[:255],
        defaults={
            "type": str(data.get("type") or "")[:100],
            "account": str(data.get("account") or "")[:255],
            "livemode": bool(data.get("livemode")),
            "event_created": _created(data),
            "payload": dict(data),
        },
    )
    return event


def webhook_event_process(*, event_id: str) -> str:
    """Handle the stored event once; returns its status afterwards (processed, ignored, or failed
    when a handler raised; the caller answers 500 for failed)."""
    try:
        with transaction.atomic():
            event = StripeWebhookEvent.objects.select_for_update().get(event_id=event_id)
            if event.status in (Status.PROCESSED, Status.IGNORED):
                return event.status
            event.attempts += 1
            tenant = connected_account_tenant(account_id=event.account)
            if tenant is None:
                event.status = Status.IGNORED
                event.last_error = "no store connected this account" if event.account else "no account"
            else:
                event.tenant = tenant
                with tenant_context(tenant):
                    handled = _handle(event)
                event.status = Status.PROCESSED if handled else Status.IGNORED
                event.last_error = ""
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "attempts", "tenant", "last_error", "processed_at"])
            return event.status
    except Exception as error:  # any handler failure: rolled back above, recorded here
        logger.exception("stripe webhook %s failed", event_id)
        StripeWebhookEvent.objects.filter(event_id=event_id).exclude(status=Status.PROCESSED).update(
            status=Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX],
        )
        return Status.FAILED


def _handle(event: StripeWebhookEvent) -> bool:
    """Apply one event in its store's schema; False when its type is not one we act on."""
    obj = (event.payload.get("data") or {}).get("object") or {}
    occurred_at = event.event_created or timezone.now()
    if event.type in INTENT_EVENTS:
        payment_update_dispatch(_intent_update(event, obj, occurred_at))
        return True
    if event.type in CHARGE_EVENTS:
        update = _charge_update(event, obj, occurred_at)
        if update is None:
            return False
        payment_update_dispatch(update)
        return True
    if event.type in ACCOUNT_EVENTS:
        stripe_account_status_apply(account=obj, occurred_at=occurred_at)
        return True
    return False


def _intent_update(
    event: StripeWebhookEvent, intent: Mapping[str, Any], occurred_at: datetime
) -> PaymentUpdate:
    currency = str(intent.get("currency") or "").upper()
    status = INTENT_EVENTS[event.type] or intent_status(intent)
    received = intent.get("amount_received") if status == PaymentStatus.SUCCEEDED else intent.get("amount")
    # Why it failed (payment_intent.payment_failed carries `last_payment_error`), in the words
    # the gateway's own answers use, so the order stores them with the failure.
    error_code, error_message = (
        stripe_error_message(intent.get("last_payment_error")) if status == PaymentStatus.FAILED else ("", "")
    )
    return PaymentUpdate(
        gateway=GatewayCode.STRIPE.value,
        external_id=str(intent["id"]),
        status=status,
        amount=stripe_amount_to_decimal(int(received or 0), currency) if currency else None,
        amount_refunded=None,
        currency=currency,
        occurred_at=occurred_at,
        event_id=event.event_id,
        error_code=error_code,
        error_message=str(error_message),
    )


def _charge_update(
    event: StripeWebhookEvent, charge: Mapping[str, Any], occurred_at: datetime
) -> PaymentUpdate | None:
    intent_id = charge.get("payment_intent")
    if not intent_id:
        return None  # a charge made outside PaymentIntents: not one of ours
    currency = str(charge.get("currency") or "").upper()
    return PaymentUpdate(
        gateway=GatewayCode.STRIPE.value,
        external_id=str(intent_id),
        status=charge_status(charge),
        amount=stripe_amount_to_decimal(int(charge.get("amount") or 0), currency),
        amount_refunded=stripe_amount_to_decimal(int(charge.get("amount_refunded") or 0), currency),
        currency=currency,
        occurred_at=occurred_at,
        event_id=event.event_id,
    )
