"""The vocabularies of orders: where an order stands, where it came from, what its stock is
doing, and what its timeline records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    """One status per order; the moves allowed between them live in `apps.orders.transitions`."""

    PENDING = "pending", _("Pending payment")
    PAID = "paid", _("Paid")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


class OrderOrigin(models.TextChoices):
    CHECKOUT = "checkout", _("Online store")
    DRAFT = "draft", _("Draft order")


class OrderStockStatus(models.TextChoices):
    """What the order's units are doing in inventory (the `Reservation`s named `order:<uuid>`)."""

    NONE = "none", _("Not reserved")  # a draft before payment, a declined order
    RESERVED = "reserved", _("Reserved")  # held until `hold_expires_at` while payment is under way
    COMMITTED = "committed", _("Sold")  # left stock when the order was paid
    RELEASED = "released", _("Released")  # given back (cancelled, expired)
    RESTOCKED = "restocked", _("Returned to stock")  # a paid order cancelled: the units went back


class OrderEventKind(models.TextChoices):
    """What an order's timeline records; the sentence is built from the kind and its params."""

    PLACED = "placed", _("Order placed")
    DRAFT_CREATED = "draft_created", _("Draft order created")
    DRAFT_SENT = "draft_sent", _("Payment link sent")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_STARTED = "payment_started", _("Payment started")
    PAYMENT_ACTION_REQUIRED = "payment_action_required", _("Payment needs the shopper's confirmation")
    PAYMENT_SUCCEEDED = "payment_succeeded", _("Payment received")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")
    MARKED_PAID = "marked_paid", _("Marked as paid")
    REFUNDED = "refunded", _("Refund")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    STOCK_RESERVED = "stock_reserved", _("Stock reserved")
    STOCK_COMMITTED = "stock_committed", _("Stock sold")
    STOCK_RELEASED = "stock_released", _("Stock released")
    STOCK_RESTOCKED = "stock_restocked", _("Stock returned")
    STOCK_SHORT = "stock_short", _("Stock short")
    REDEMPTION_FAILED = "redemption_failed", _("Discount or gift card could not be used")
    HOLD_EXPIRED = "hold_expired", _("Stock hold expired")
    CANCELLED = "cancelled", _("Order cancelled")
    EDITED = "edited", _("Order edited")
    BALANCE_DUE = "balance_due", _("Balance due")
    NOTE_ADDED = "note_added", _("Note added")
    # After the sale (fulfilment, purchasing, fraud, returns, invoices, notifications apps).
    FULFILMENT_CREATED = "fulfilment_created", _("Shipped")
    FULFILMENT_CANCELLED = "fulfilment_cancelled", _("Shipment cancelled")
    TRACKING_UPDATED = "tracking_updated", _("Tracking updated")
    DELIVERED = "delivered", _("Delivered")
    DELIVERY_AT_RISK = "delivery_at_risk", _("Delivery at risk")
    PURCHASE_ORDER_PLACED = "purchase_order_placed", _("Ordered from supplier")
    PURCHASE_ORDER_FAILED = "purchase_order_failed", _("Supplier order failed")
    PURCHASE_ORDER_HELD = "purchase_order_held", _("Supplier order held")
    RISK_ASSESSED = "risk_assessed", _("Fraud risk assessed")
    RISK_APPROVED = "risk_approved", _("Released after fraud review")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REFUSED = "return_refused", _("Return refused")
    RETURN_RECEIVED = "return_received", _("Return received")
    STORE_CREDIT_ISSUED = "store_credit_issued", _("Store credit given")
    GIFT_CARD_REFUNDED = "gift_card_refunded", _("Refunded to gift card")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    CREDIT_NOTE_ISSUED = "credit_note_issued", _("Credit note issued")
    EMAIL_SENT = "email_sent", _("Email sent")
