"""Abandoned carts: a checkout with an email and lines that nobody touched for
CHECKOUT_ABANDONED_AFTER_MINUTES and that no order completed is announced once, as
`cart.abandoned`, for email flows and automations to follow up.

"Touched" is the later of the checkout's and its cart's `updated_at` (every checkout step and
every cart change stamps them). Each checkout is claimed with a conditional UPDATE of
`abandoned_notified_at` before its event is emitted in the same transaction, so two runs of the
job at once announce it once, and a run that fails announces nothing it claimed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.checkout.models import Cart, CartLine, Checkout
from apps.core.events import event_emit

CART_ABANDONED = "cart.abandoned"
# Checkouts announced per run; the rest wait for the next run.
BATCH_SIZE = 500


def checkouts_abandoned_due(*, now: Any = None, limit: int = BATCH_SIZE) -> list[Checkout]:
    """Open checkouts with an email and lines, not announced yet, untouched since the cut-off."""
    cutoff = (now or timezone.now()) - timedelta(minutes=int(settings.CHECKOUT_ABANDONED_AFTER_MINUTES))
    return list(
        Checkout.objects.filter(
            status=Checkout.Status.OPEN, abandoned_notified_at__isnull=True, cart__status=Cart.Status.OPEN
        )
        .exclude(email="")
        .alias(touched=Greatest("updated_at", "cart__updated_at"))
        .filter(touched__lte=cutoff)
        .filter(Exists(CartLine.objects.filter(cart_id=OuterRef("cart_id"))))
        .select_related("cart")
        .order_by("updated_at", "id")[:limit]
    )


def carts_abandoned_notify() -> int:
    """Emit `cart.abandoned` once for each checkout due (see the module docstring); returns how
    many were announced."""
    now = timezone.now()
    announced = 0
    for checkout in checkouts_abandoned_due(now=now):
        with transaction.atomic():
            claimed = Checkout.objects.filter(
                pk=checkout.pk, status=Checkout.Status.OPEN, abandoned_notified_at__isnull=True
            ).update(abandoned_notified_at=now)
            if not claimed:
                continue  # another run got it, or it was completed meanwhile
            summary = CartLine.objects.filter(cart_id=checkout.cart_id).aggregate(
                lines=Count("id"), units=Sum("quantity")
            )
            payload: dict[str, Any] = {
                "checkout": str(checkout.token),
                "cart": str(checkout.cart.token),
                "email": checkout.email,
                "language": checkout.language,
                "currency": checkout.cart.currency,
                "lines": summary["lines"] or 0,
                "units": summary["units"] or 0,
            }
            if checkout.user_id is not None:
                payload["user_id"] = checkout.user_id
            event_emit(name=CART_ABANDONED, payload=payload)
            announced += 1
    return announced
