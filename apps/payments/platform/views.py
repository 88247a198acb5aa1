"""The Stripe Connect webhook endpoint on the platform domain: /stripe/connect/webhook/."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.permissions import no_permission_required
from apps.payments.platform.models import StripeWebhookEvent
from apps.payments.platform.webhooks import webhook_event_process, webhook_event_store

logger = logging.getLogger(__name__)


def _refused(reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=400)


@csrf_exempt
@require_POST
@no_permission_required("Stripe delivers Connect events here; the signature over the body is the credential")
def stripe_connect_webhook(request: HttpRequest) -> HttpResponse:
    """Verify (real signature scheme, 300 s tolerance), store, handle. 400 for a forged, stale
    or malformed delivery (nothing stored); 200 once stored and handled or ignored; 500 when a
    handler failed, so Stripe delivers it again."""
    payload = request.body
    try:
        stripe.Webhook.construct_event(
            payload,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_CONNECT_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        data = json.loads(payload)
    except stripe.SignatureVerificationError:
        logger.warning("stripe webhook refused: bad or stale signature")
        return _refused("signature")
    except (ValueError, TypeError, KeyError, AttributeError):
        return _refused("payload")
    if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
        return _refused("payload")
    event = webhook_event_store(data=data)
    status = webhook_event_process(event_id=event.event_id)
    if status == StripeWebhookEvent.Status.FAILED:
        return JsonResponse({"received": True, "status": status}, status=500)
    return JsonResponse({"received": True, "status": status})
