"""The platform's billing webhook endpoint: /billing/stripe/webhook/ on the platform domain.

Why not dj-stripe's own endpoint (/stripe/webhook/<uuid>/): in 2.11 it writes a
`WebhookEventTrigger` row before the signature is checked (a forged delivery leaves a row), and
its handlers re-fetch every subscription, invoice and customer from the API before syncing them,
so the state applied is whatever the API says at processing time. Here the signature is checked
first (nothing is written for a forged or stale delivery); the verified event is recorded in
dj-stripe's `Event` table (unique Stripe id: the idempotency record) and the merchant's state is
recomputed from all its recorded events (apps.billing.subscriptions), all in one transaction: a
handler that crashes rolls the event back too, the view answers 500, and Stripe's retry runs it
again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from djstripe.models import Event

from apps.billing.models import MerchantPlan
from apps.billing.subscriptions import HANDLED_EVENTS, event_customer, merchant_billing_recompute
from apps.core.permissions import no_permission_required

logger = logging.getLogger(__name__)


def billing_event_handle(*, data: Mapping[str, Any]) -> str:
    """Record one verified event and apply it. Returns "processed", "duplicate" or "ignored"."""
    event_id = str(data["id"])
    type_ = str(data.get("type") or "")
    try:
        with transaction.atomic():
            if Event.objects.filter(id=event_id).exists():
                return "duplicate"
            Event.objects.create(
                id=event_id,
                type=type_,
                livemode=bool(data.get("livemode")),
                created=datetime.fromtimestamp(int(data.get("created") or 0), tz=UTC),
                api_version=str(data.get("api_version") or ""),
                data=dict(data.get("data") or {}),
                request_id=str((data.get("request") or {}).get("id") or ""),
                idempotency_key=str((data.get("request") or {}).get("idempotency_key") or ""),
                stripe_data=dict(data),
            )
            if type_ not in HANDLED_EVENTS:
                return "ignored"
            customer = event_customer(data)
            merchant_plan = (
                MerchantPlan.objects.filter(stripe_customer_id=customer).first() if customer else None
            )
            if merchant_plan is None:
                # Kept: when the customer is linked later, a recompute takes this event into account.
                logger.warning("billing event %s for unknown customer %r", event_id, customer)
                return "ignored"
            merchant_billing_recompute(merchant_plan_id=merchant_plan.pk)
            return "processed"
    except IntegrityError:
        # The same event delivered twice at once: the other delivery recorded it.
        if Event.objects.filter(id=event_id).exists():
            return "duplicate"
        raise


@csrf_exempt
@require_POST
@no_permission_required("Stripe delivers billing events here; the signature over the body is the credential")
def billing_stripe_webhook(request: HttpRequest) -> HttpResponse:
    """400 for a forged, stale or malformed delivery (nothing written); 200 when handled, a
    duplicate or ignored; 500 when handling failed (rolled back), so Stripe delivers it again."""
    payload = request.body
    secret = settings.STRIPE_BILLING_WEBHOOK_SECRET
    if not secret:
        logger.error("billing webhook refused: STRIPE_BILLING_WEBHOOK_SECRET is not set")
        return JsonResponse({"error": "not_configured"}, status=400)
    try:
        stripe.Webhook.construct_event(
            payload,
            request.headers.get("Stripe-Signature", ""),
            secret,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        data = json.loads(payload)
    except stripe.SignatureVerificationError:
        logger.warning("billing webhook refused: bad or stale signature")
        return JsonResponse({"error": "signature"}, status=400)
    except (ValueError, TypeError):
        return JsonResponse({"error": "payload"}, status=400)
    if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
        return JsonResponse({"error": "payload"}, status=400)
    try:
        status = billing_event_handle(data=data)
    except Exception:
        logger.exception("billing webhook %s failed", data.get("id"))
        return JsonResponse({"received": True, "status": "failed"}, status=500)
    return JsonResponse({"received": True, "status": status})
