"""Purchasing errors: one `PurchasingErrorCode` per way ordering from a supplier can go wrong.

A purchase order stores why it failed as a code and params (`last_error_code`,
`last_error_params`); `purchase_order_error_message` words them in the reader's language. A
supplier's own failure keeps its sourcing code (`apps.sourcing.errors.SourcingErrorCode`, e.g.
`order_rejected` with the supplier's words), worded by the sourcing app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class PurchasingErrorCode(models.TextChoices):
    NOT_ALLOWED = "po_not_allowed", _("Not possible in this status")
    NOT_FOUND = "po_not_found", _("Supplier order not found")
    SUPPLIER_ORDER_ID_REQUIRED = "po_supplier_order_id_required", _("Supplier's order id needed")
    NO_ADDRESS = "po_no_address", _("No shipping address")
    NO_ITEMS = "po_no_items", _("Nothing to order")
    MANUAL_SUPPLIER = "po_manual_supplier", _("Placed by hand")
    ORDER_CANCELLED = "po_order_cancelled", _("Order cancelled")
    FULFILMENT_FAILED = "po_fulfilment_failed", _("Shipment could not be recorded")


class PurchasingError(ApplicationError):
    codes = PurchasingErrorCode
    code = PurchasingErrorCode.NOT_ALLOWED


C = PurchasingErrorCode
MESSAGES: dict[str, Any] = {
    C.NOT_ALLOWED: _("This supplier order is %(status)s: that is not possible now."),
    C.NOT_FOUND: _("This supplier order does not exist."),
    C.SUPPLIER_ORDER_ID_REQUIRED: _("Enter the supplier's order id."),
    C.NO_ADDRESS: _("The order has no shipping address to send the supplier."),
    C.NO_ITEMS: _("None of the order's items can be ordered from this supplier."),
    C.MANUAL_SUPPLIER: _("%(supplier)s takes orders by hand: place it with them, then mark it placed."),
    C.ORDER_CANCELLED: _("The order was cancelled."),
    C.FULFILMENT_FAILED: _("Tracking %(tracking_number)s could not become a shipment: %(error)s"),
}
del C


def purchase_order_error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for a stored error `code` (a purchasing or sourcing code) with its params."""
    from apps.sourcing.errors import sourcing_error_message

    params = dict(params or {})
    if not code:
        return ""
    message = MESSAGES.get(code)
    if message is None:
        return sourcing_error_message(code, params)
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return gettext("Unknown problem (%(code)s).") % {"code": code}
