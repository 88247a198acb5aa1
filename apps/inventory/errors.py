"""Inventory errors: one `InventoryErrorCode` per way an inventory change can be refused.

Each exception carries a stable `code` (a member of the enum), the `params` its message was
built from, and optionally the form `field` it concerns. Interfaces and other apps decide on
the code and read the params; the message is for people and nothing parses it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class InventoryErrorCode(models.TextChoices):
    INVENTORY_ERROR = "inventory_error", _("Inventory error")
    INVALID_QUANTITY = "invalid_quantity", _("Invalid quantity")
    INVALID_KIND = "invalid_kind", _("Unknown kind of stock change")
    INSUFFICIENT_STOCK = "insufficient_stock", _("Not enough stock")
    BELOW_RESERVED = "below_reserved", _("On hand would drop below reserved")
    LOCATION_INVALID = "location_invalid", _("Invalid location")
    LOCATION_CODE_TAKEN = "location_code_taken", _("Location code taken")
    LOCATION_INACTIVE = "location_inactive", _("Location inactive")
    RESERVATION_NOT_ACTIVE = "reservation_not_active", _("Reservation not active")
    STOCK_INCONSISTENT = "stock_inconsistent", _("Reserved stock missing")


class InventoryError(ApplicationError):
    code: str = InventoryErrorCode.INVENTORY_ERROR
    codes = InventoryErrorCode


class InvalidQuantity(InventoryError):
    code = InventoryErrorCode.INVALID_QUANTITY


class InsufficientStock(InventoryError):
    """Not enough available (on hand minus reserved) to reserve or remove what was asked."""

    code = InventoryErrorCode.INSUFFICIENT_STOCK


class StockBelowReserved(InventoryError):
    """On hand would drop below what is already reserved for shoppers."""

    code = InventoryErrorCode.BELOW_RESERVED


class LocationInvalid(InventoryError):
    code = InventoryErrorCode.LOCATION_INVALID


class LocationCodeTaken(InventoryError):
    code = InventoryErrorCode.LOCATION_CODE_TAKEN


class LocationInactive(InventoryError):
    code = InventoryErrorCode.LOCATION_INACTIVE


class ReservationNotActive(InventoryError):
    """A committed reservation cannot be released, nor a released one committed."""

    code = InventoryErrorCode.RESERVATION_NOT_ACTIVE
