"""Domain events turned into emails (and a text message when an order ships). Each send uses
the event's id in its key, so an event delivered twice sends once."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from apps.core.events import Event, subscribe
from apps.notifications.context import date_text, language_resolve, money_text, store_url
from apps.notifications.models import Delivery
from apps.notifications.services import notification_send
from apps.notifications.sms import sms_enabled
from apps.orders.models import Order
from apps.stores.newsletter import newsletter_links
from apps.stores.selectors import store_settings_get

logger = logging.getLogger(__name__)


def _order(event: Event) -> Order | None:
    try:
        order_uuid = uuid.UUID(str(event.payload.get("order")))
    except ValueError:
        order_uuid = None
    order = Order.objects.filter(uuid=order_uuid).first() if order_uuid else None
    if order is None:
        logger.warning("%s %s: order %s not found", event.name, event.id, event.payload.get("order"))
    return order


def _key(template: str, event: Event, suffix: str = "") -> str:
    return f"{template}:{event.id}{suffix}"


def _to_shopper(template: str, event: Event, **extra: Any) -> Delivery | None:
    order = _order(event)
    if order is None:
        return None
    return notification_send(
        template=template,
        to=str(event.payload.get("email") or order.email),
        language=str(event.payload.get("language") or order.language),
        order=order,
        extra=extra,
        key=_key(template, event),
    )


def _dashboard_url(name: str, **kwargs: Any) -> str:
    try:
        return store_url() + reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return store_url() + "/dashboard/"


def _fulfilment(payload: dict[str, Any]) -> dict[str, Any]:
    fulfilment = payload.get("fulfilment") or {}
    return {
        "carrier_name": fulfilment.get("carrier_name") or fulfilment.get("carrier") or "",
        "tracking_number": fulfilment.get("tracking_number") or "",
        "tracking_url": fulfilment.get("tracking_url") or "",
        "lines": [
            {"sku": line.get("sku", ""), "title": line.get("title", ""), "quantity": line.get("quantity", 0)}
            for line in fulfilment.get("lines") or []
            if isinstance(line, dict)
        ],
    }


@subscribe("order.paid")
def order_confirmation_send(event: Event) -> None:
    _to_shopper("order_confirmation", event)


@subscribe("order.fulfilled")
def order_shipped_send(event: Event) -> None:
    fulfilment = _fulfilment(event.payload)
    _to_shopper("order_shipped", event, fulfilment=fulfilment)
    if not sms_enabled():
        return
    order = _order(event)
    phone = str((order.shipping_address or {}).get("phone") or "").strip() if order is not None else ""
    if order is None or not phone:
        return
    notification_send(
        template="order_shipped",
        channel=Delivery.Channel.SMS,
        to=phone,
        language=str(event.payload.get("language") or order.language),
        order=order,
        extra={"fulfilment": fulfilment},
        key=_key("order_shipped", event, ":sms"),
    )


@subscribe("order.delivered")
def order_delivered_send(event: Event) -> None:
    _to_shopper("order_delivered", event, fulfilment=_fulfilment(event.payload))


@subscribe("order.refunded")
def order_refunded_send(event: Event) -> None:
    refund = event.payload.get("refund") or {}
    order = _order(event)
    if order is None:
        return

    language = language_resolve(str(event.payload.get("language") or order.language))
    amount = refund.get("amount")
    currency = str(refund.get("currency") or order.currency)
    _to_shopper(
        "order_refunded",
        event,
        refund={
            "amount": money_text(amount, currency, language) if amount not in (None, "") else "",
            "store_credit": bool(refund.get("store_credit")),
            "gift_card": bool(refund.get("gift_card")),
            "reason": str(refund.get("reason") or ""),
        },
    )


@subscribe("order.delivery_at_risk")
def delivery_at_risk_send(event: Event) -> None:
    order = _order(event)
    if order is None:
        return
    language = language_resolve(str(event.payload.get("language") or order.language))
    _to_shopper(
        "delivery_at_risk",
        event,
        delivery={
            "estimated": date_text(event.payload.get("estimated_delivery"), language),
            "promised": date_text(event.payload.get("promised_delivery"), language),
            "reason": str(event.payload.get("reason") or ""),
        },
    )


def _return(payload: dict[str, Any]) -> dict[str, Any]:
    given = payload.get("return") or {}
    return {
        key: str(given.get(key) or "")
        for key in ("id", "reason", "instructions", "label_url", "decision_note")
    }


@subscribe("return.requested")
def return_requested_send(event: Event) -> None:
    """To the store: a customer asked to send items back."""
    order = _order(event)
    contact = store_settings_get().contact_email
    if order is None or not contact:
        if not contact:
            logger.info("return.requested %s: the store has no contact email", event.id)
        return
    request = _return(event.payload)
    request["dashboard_url"] = _dashboard_url("dashboard:orders:order_detail", order_number=order.number)
    notification_send(
        template="return_requested",
        to=contact,
        language=store_settings_get().default_language,
        order=order,
        extra={"return_request": request},
        key=_key("return_requested", event),
    )


@subscribe("return.approved")
def return_approved_send(event: Event) -> None:
    _to_shopper("return_approved", event, return_request=_return(event.payload))


@subscribe("return.refused")
def return_refused_send(event: Event) -> None:
    _to_shopper("return_refused", event, return_request=_return(event.payload))


@subscribe("inventory.low")
def low_stock_send(event: Event) -> None:
    """To the store: a variant's stock crossed its low-stock threshold."""
    profile = store_settings_get()
    if not profile.contact_email:
        return
    payload = event.payload
    title = ""
    if payload.get("variant_id"):
        from apps.catalog.models import ProductVariant

        variant = ProductVariant.objects.select_related("product").filter(pk=payload["variant_id"]).first()
        if variant is not None:
            title = str(getattr(variant.product, "title", "") or "")
    notification_send(
        template="low_stock",
        to=profile.contact_email,
        language=profile.default_language,
        extra={
            "stock": {
                "sku": str(payload.get("sku") or ""),
                "title": title,
                "available": payload.get("available", 0),
                "threshold": payload.get("threshold", 0),
                "location": str(payload.get("location") or ""),
                "url": _dashboard_url("dashboard:inventory:location_list"),
            }
        },
        key=_key("low_stock", event),
    )


@subscribe("customer.created")
def welcome_send(event: Event) -> None:
    """Welcome a shopper who opened an account on this store (fires once per account). A
    customer record made by a guest's first order (`user_uuid` empty) gets no welcome."""
    if not event.payload.get("user_uuid"):
        return
    notification_send(
        template="welcome",
        to=str(event.payload.get("email") or ""),
        language=str(event.payload.get("language") or ""),
        extra={"account_url": store_url() + "/account/"},
        key=_key("welcome", event),
    )


@subscribe("gift_card.issued")
def gift_card_send(event: Event) -> None:
    """Send a gift card's code to the address it was issued to. The event carries the card's id,
    never its code (events go out through webhooks); the code is read when the email is sent."""
    payload = event.payload
    email = str(payload.get("email") or "")
    if not email:
        return
    profile = store_settings_get()

    language = language_resolve(profile.default_language)
    amount = payload.get("amount")
    notification_send(
        template="gift_card",
        to=email,
        language=language,
        extra={
            "gift_card_id": payload.get("gift_card_id"),
            "gift_card": {
                "amount": money_text(amount, str(payload.get("currency") or profile.currency), language)
                if amount
                else "",
                "expires": date_text(payload.get("expires_at"), language),
                "note": "",
            },
        },
        key=_key("gift_card", event),
    )


@subscribe("newsletter.confirmation_requested")
def newsletter_confirmation_send(event: Event) -> None:
    """Mail the double opt-in link to an address that signed up for the newsletter, in the
    language it signed up in. The signed link is made now, never carried by the event (events
    go out through webhooks) nor stored on the delivery; nothing is sent when the address is no
    longer waiting (confirmed or unsubscribed since)."""
    email = str(event.payload.get("email") or "")
    language = language_resolve(str(event.payload.get("language") or ""))
    with translation.override(language):
        links = newsletter_links(email=email) if email else None
    if links is None:
        return
    base = store_url()
    notification_send(
        template="newsletter_confirmation",
        to=email,
        language=language,
        extra={"confirm_url": base + links.confirm_path, "unsubscribe_url": base + links.unsubscribe_path},
        key=_key("newsletter_confirmation", event),
        immediate=True,  # the link is kept off the delivery row, so it goes out with this try
    )
