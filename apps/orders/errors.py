"""Order errors: one `OrderErrorCode` per way an order operation can be refused.

An `OrderError` carries its stable `code`, the `params` its message was built from and, where
it concerns one, the form `field`. Callers decide on the code; nothing parses the message. A
declined card is not an error: placement returns the gateway's FAILED result with the order.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class OrderErrorCode(models.TextChoices):
    ORDER_ERROR = "order_error", _("Order error")
    ORDER_NOT_FOUND = "order_not_found", _("No such order")
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", _("Status change not allowed")
    # placement
    CHECKOUT_NOT_READY = "checkout_not_ready", _("Checkout incomplete or out of date")
    CHECKOUT_EMPTY = "checkout_empty", _("Nothing to order")
    TOTAL_CHANGED = "total_changed", _("Total changed since review")
    AMOUNT_DUE_CHANGED = "amount_due_changed", _("Amount due changed since review")
    PAYMENT_METHOD_REQUIRED = "payment_method_required", _("No payment method chosen")
    PRICE_CHANGED = "price_changed", _("Price changed since review")
    SOLD_OUT = "sold_out", _("Sold out")
    REDEMPTION_FAILED = "redemption_failed", _("Discount or gift card no longer applies")
    CHECKOUT_CLOSED = "checkout_closed", _("Checkout already used")
    CURRENCY_MISMATCH = "currency_mismatch", _("Currency changed")
    # payment
    NOTHING_TO_PAY = "nothing_to_pay", _("Nothing to pay")
    NOT_MANUAL_PAYMENT = "not_manual_payment", _("Not a manual payment")
    PAYMENT_LINK_INVALID = "payment_link_invalid", _("Invalid or expired payment link")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    REFUND_TOO_LARGE = "refund_too_large", _("Refund larger than what was paid")
    # staff actions
    NOT_CANCELLABLE = "not_cancellable", _("Order cannot be cancelled")
    NOT_EDITABLE = "not_editable", _("Order cannot be edited")
    LINE_UNKNOWN = "line_unknown", _("No such order line")
    VARIANT_UNKNOWN = "variant_unknown", _("No such product variant")
    QUANTITY_INVALID = "quantity_invalid", _("Invalid quantity")
    AMOUNT_INVALID = "amount_invalid", _("Invalid amount")
    DISCOUNT_INVALID = "discount_invalid", _("Invalid discount")
    EMAIL_INVALID = "email_invalid", _("Invalid email")
    NOTE_INVALID = "note_invalid", _("Invalid note")
    NOT_DRAFT = "not_draft", _("Not a draft order")


class OrderError(ApplicationError):
    code: str = OrderErrorCode.ORDER_ERROR
    codes = OrderErrorCode


class OrderNotFound(OrderError):
    code = OrderErrorCode.ORDER_NOT_FOUND


class TransitionNotAllowed(OrderError):
    """A status change `apps.orders.transitions` does not allow."""

    code = OrderErrorCode.TRANSITION_NOT_ALLOWED


class PlacementRefused(OrderError):
    """The checkout cannot become an order as it stands (the code says why); nothing was
    written and nothing charged."""

    code = OrderErrorCode.CHECKOUT_NOT_READY


class OrderNotEditable(OrderError):
    code = OrderErrorCode.NOT_EDITABLE
