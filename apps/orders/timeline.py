"""An order's timeline (what happened to it, in words built at read time) and the domain events
orders announce (`order.created`, `order.paid`, `order.cancelled`).

Timeline entries store a kind and parameters, never a sentence, so they read in the language of
whoever reads them; `order_event_message` builds the sentence.
"""

from __future__ import annotations

import contextlib
from decimal import InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.events import event_emit
from apps.core.money import currency_is_valid, money_display
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order, OrderEvent
from apps.payments.enums import GatewayCode

if TYPE_CHECKING:
    from apps.accounts.models import User

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_CANCELLED = "order.cancelled"


def order_event_add(
    *, order: Order, kind: str, params: dict[str, Any] | None = None, actor: User | None = None
) -> OrderEvent:
    """Add an entry to the order's timeline (inside the caller's transaction)."""
    return OrderEvent.objects.create(order=order, kind=OrderEventKind(kind), params=params or {}, actor=actor)


def order_payload(order: Order) -> dict[str, Any]:
    """What the order's domain events carry: enough to find the order and act on it without
    a query for the common cases (emails, automations, analytics)."""
    return {
        "order": str(order.uuid),
        "number": order.number,
        "origin": order.origin,
        "status": order.status,
        "email": order.email,
        "user_id": order.user_id,
        "customer_id": order.customer_id,
        "currency": order.currency,
        "total": str(order.total),
        "amount_paid": str(order.amount_paid),
        "language": order.language,
    }


def order_emit(*, name: str, order: Order, **extra: Any) -> None:
    event_emit(name=name, payload={**order_payload(order), **extra})


def _status_label(value: object) -> str:
    try:
        return str(OrderStatus(str(value)).label)
    except ValueError:
        return str(value)


class _Params(dict[str, Any]):
    """Timeline parameters for `%` formatting: a key an older entry lacks reads as ""."""

    def __missing__(self, key: str) -> str:
        return ""


# Parameters holding an amount of the entry's `currency`.
_MONEY_PARAMS = ("amount", "old_total", "new_total")


def _with_money(params: dict[str, Any]) -> _Params:
    """`params` with their amounts written as a reader of the active language writes money
    ("1.234,50 €"; left as stored when the entry names no valid currency), and the payment
    method by its name ("Bank transfer", not "bank_transfer")."""
    p = _Params(params)
    gateway = str(p.get("gateway") or "")
    if gateway in GatewayCode.values:
        p["gateway"] = str(GatewayCode(gateway).label)
    currency = str(p.get("currency") or "")
    if not currency_is_valid(currency):
        return p
    for key in _MONEY_PARAMS:
        if p.get(key) not in (None, ""):
            with contextlib.suppress(InvalidOperation, ValueError):  # kept as stored
                p[key] = money_display(str(p[key]), currency)
    return p


def order_event_message(event: OrderEvent) -> str:
    """The timeline entry as a sentence in the active language, amounts written as money."""
    p = _with_money(event.params or {})
    kind = event.kind
    K = OrderEventKind
    if kind == K.STATUS_CHANGED:
        return _("Status changed from %(from)s to %(to)s.") % {
            "from": _status_label(p.get("from")),
            "to": _status_label(p.get("to")),
        }
    if kind == K.PLACED:
        return _("Order placed by %(email)s.") % {"email": p.get("email", "")}
    if kind == K.DRAFT_CREATED:
        return _("Draft order created for %(email)s.") % {"email": p.get("email", "")}
    if kind == K.DRAFT_SENT:
        return _("Payment link sent to %(email)s.") % {"email": p.get("email", "")}
    if kind == K.PAYMENT_STARTED:
        return _("Payment of %(amount)s started via %(gateway)s.") % p
    if kind == K.PAYMENT_ACTION_REQUIRED:
        return _("Payment of %(amount)s waits for the shopper to confirm it.") % p
    if kind == K.PAYMENT_SUCCEEDED:
        return _("Payment of %(amount)s received via %(gateway)s.") % p
    if kind == K.PAYMENT_FAILED:
        return _("Payment of %(amount)s failed: %(error)s") % {
            **p,
            "error": p.get("error_message") or p.get("error_code") or _("no reason given"),
        }
    if kind == K.PAYMENT_CANCELLED:
        return _("Payment of %(amount)s cancelled.") % p
    if kind == K.MARKED_PAID:
        return _("Marked as paid: %(amount)s via %(gateway)s.") % p
    if kind == K.REFUNDED:
        return _("Refunded %(amount)s.") % p
    if kind == K.REFUND_FAILED:
        return _("Refund of %(amount)s failed: %(error)s") % {
            **p,
            "error": p.get("error_message") or _("no reason given"),
        }
    if kind == K.STOCK_RESERVED:
        return (
            ngettext(
                "%(units)s unit reserved until the payment is done.",
                "%(units)s units reserved until the payment is done.",
                _count(p),
            )
            % p
        )
    if kind == K.STOCK_COMMITTED:
        return ngettext("%(units)s unit left stock.", "%(units)s units left stock.", _count(p)) % p
    if kind == K.STOCK_RELEASED:
        return (
            ngettext("%(units)s reserved unit released.", "%(units)s reserved units released.", _count(p)) % p
        )
    if kind == K.STOCK_RESTOCKED:
        return (
            ngettext("%(units)s unit returned to stock.", "%(units)s units returned to stock.", _count(p)) % p
        )
    if kind == K.STOCK_SHORT:
        return (
            ngettext(
                "Paid, but %(units)s unit of %(sku)s could not be taken from stock.",
                "Paid, but %(units)s units of %(sku)s could not be taken from stock.",
                _count(p),
            )
            % p
        )
    if kind == K.REDEMPTION_FAILED:
        return (
            _("Paid after a failed attempt, but the discount or gift card %(code)s could not be used again.")
            % p
        )
    if kind == K.HOLD_EXPIRED:
        return _("Not paid in time: the stock held for the order was released.")
    if kind == K.CANCELLED:
        return _("Order cancelled: %(reason)s") % {"reason": p.get("reason") or _("no reason given")}
    if kind == K.EDITED:
        return _("%(change)s Total %(old_total)s → %(new_total)s.") % {
            **p,
            "change": _edit_change(p),
        }
    if kind == K.BALANCE_DUE:
        return _("%(amount)s left to pay; a payment link was created.") % p
    if kind == K.NOTE_ADDED:
        return _("Note added.")
    if kind == K.FULFILMENT_CREATED:
        return (
            ngettext(
                "%(units)s unit shipped with %(carrier)s, tracking %(tracking_number)s.",
                "%(units)s units shipped with %(carrier)s, tracking %(tracking_number)s.",
                _count(p),
            )
            % p
        )
    if kind == K.RETURN_REQUESTED:
        return (
            ngettext(
                "Return of %(units)s unit requested: %(reason)s",
                "Return of %(units)s units requested: %(reason)s",
                _count(p),
            )
            % p
        )
    message = _after_sale_message(kind)
    if message is not None:
        return message % p
    return str(OrderEventKind(kind).label) if kind in OrderEventKind.values else kind


def _count(p: _Params) -> int:
    """How many units a sentence is about, to choose its singular or plural."""
    try:
        return int(p.get("units") or 0)
    except (TypeError, ValueError):
        return 0


def _after_sale_message(kind: str) -> str | None:
    """The sentences of the after-the-sale kinds; their params are named in the format."""
    K = OrderEventKind
    messages = {
        K.FULFILMENT_CANCELLED: _("Shipment %(tracking_number)s cancelled."),
        K.TRACKING_UPDATED: _("Tracking %(tracking_number)s: %(status)s."),
        K.DELIVERED: _("Delivered (tracking %(tracking_number)s)."),
        K.DELIVERY_AT_RISK: _("Delivery at risk: expected by %(estimated)s, promised by %(promised)s."),
        K.PURCHASE_ORDER_PLACED: _("Ordered from %(supplier)s (supplier's order %(supplier_order_id)s)."),
        K.PURCHASE_ORDER_FAILED: _("Order with %(supplier)s failed: %(error)s"),
        K.PURCHASE_ORDER_HELD: _("Order with %(supplier)s held: %(reason)s"),
        K.RISK_ASSESSED: _("Fraud risk %(level)s (score %(score)s)."),
        K.RISK_APPROVED: _("Released after fraud review."),
        K.RETURN_APPROVED: _("Return approved."),
        K.RETURN_REFUSED: _("Return refused: %(reason)s"),
        K.RETURN_RECEIVED: _("Returned goods received."),
        K.STORE_CREDIT_ISSUED: _("%(amount)s given as store credit."),
        K.GIFT_CARD_REFUNDED: _("%(amount)s put back on the gift card %(card)s."),
        K.INVOICE_ISSUED: _("Invoice %(number)s issued."),
        K.CREDIT_NOTE_ISSUED: _("Credit note %(number)s issued."),
        K.EMAIL_SENT: _("Email “%(template)s” sent to %(to)s."),
    }
    return messages.get(kind)  # type: ignore[call-overload]


def _edit_change(p: _Params) -> str:
    action = p.get("action")
    if action == "line_added":
        return _("Added %(quantity)s × %(sku)s.") % p
    if action == "quantity_changed":
        return _("Changed %(sku)s from %(from)s to %(to)s.") % p
    if action == "line_removed":
        return _("Removed %(quantity)s × %(sku)s.") % p
    if action == "discount_set":
        if p.get("kind") == "percentage":
            return _("Discount of %(value)s %% given.") % p
        return _("Discount of %(value)s given.") % p
    if action == "discount_removed":
        return _("Discount taken away.")
    if action == "shipping_changed":
        return _("Shipping changed from %(from)s to %(to)s.") % p
    return _("Order edited.")
