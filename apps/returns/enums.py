"""The vocabularies of returns: where a return request stands and why the shopper sends goods back."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnStatus(models.TextChoices):
    """One status per request; the moves allowed between them are `RETURN_TRANSITIONS`."""

    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.REFUSED, ReturnStatus.CANCELLED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.RECEIVED, ReturnStatus.REFUSED, ReturnStatus.REFUNDED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED}),
    ReturnStatus.REFUSED: frozenset(),
    ReturnStatus.REFUNDED: frozenset(),
    ReturnStatus.CANCELLED: frozenset(),
}

# A request in one of these still holds its units (they cannot be asked back a second time).
OPEN_OR_DONE = (
    ReturnStatus.REQUESTED,
    ReturnStatus.APPROVED,
    ReturnStatus.RECEIVED,
    ReturnStatus.REFUNDED,
)


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", _("Arrived damaged or faulty")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    SIZE = "size", _("Does not fit")
    CHANGED_MIND = "changed_mind", _("No longer wanted")
    OTHER = "other", _("Other")


class ReturnErrorCode(models.TextChoices):
    RETURN_ERROR = "return_error", _("Return error")
    ORDER_NOT_PAID = "order_not_paid", _("Order not paid")
    WINDOW_CLOSED = "window_closed", _("Return window closed")
    NOTHING_CHOSEN = "nothing_chosen", _("Nothing chosen")
    LINE_UNKNOWN = "line_unknown", _("No such order line")
    QUANTITY_TOO_LARGE = "quantity_too_large", _("More than can be returned")
    PHOTOS_REQUIRED = "photos_required", _("Photos required")
    TOO_MANY_PHOTOS = "too_many_photos", _("Too many photos")
    PHOTO_INVALID = "photo_invalid", _("Photo not accepted")
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", _("Status change not allowed")
    REASON_REQUIRED = "reason_required", _("Reason required")
    LABEL_INVALID = "label_invalid", _("Label not accepted")
    # refunds
    AMOUNT_INVALID = "amount_invalid", _("Invalid amount")
    REFUND_TOO_LARGE = "refund_too_large", _("More than can be refunded")
    AMOUNT_ABOVE_ITEMS = "amount_above_items", _("More than the chosen items cost")
    STORE_CREDIT_NEEDS_ACCOUNT = "store_credit_needs_account", _("Store credit needs a shopper account")
    DESTINATION_CONFLICT = "destination_conflict", _("More than one way to give the money back")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    TOKEN_REUSED = "token_reused", _("Form already used for another order")
