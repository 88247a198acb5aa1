"""The shopper's password-reset email on a store, sent as the store's branded notification
(registered with apps.accounts.adapter from NotificationsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from apps.notifications.models import Delivery
from apps.notifications.services import notification_send


def password_reset_send(email: str, context: dict[str, Any]) -> bool:
    """Send the "password_reset" notification now (the shopper is waiting for it). False when it
    could not be sent, so allauth's plain email goes instead."""
    delivery = notification_send(
        template="password_reset",
        to=email,
        language=translation.get_language() or "",
        extra={"reset_url": str(context.get("password_reset_url") or "")},
        immediate=True,
    )
    return delivery is not None and delivery.status == Delivery.Status.SENT
