"""Inventory errors. Each has a stable `code` that interfaces and other apps may rely on."""

from __future__ import annotations

from apps.core.errors import ApplicationError


class InventoryError(ApplicationError):
    code = "inventory_error"


class InvalidQuantity(InventoryError):
    code = "invalid_quantity"


class InsufficientStock(InventoryError):
    """Not enough available (on hand minus reserved) to reserve or remove what was asked."""

    code = "insufficient_stock"


class StockBelowReserved(InventoryError):
    """On hand would drop below what is already reserved for shoppers."""

    code = "below_reserved"


class LocationInvalid(InventoryError):
    code = "location_invalid"


class LocationCodeTaken(InventoryError):
    code = "location_code_taken"


class LocationInactive(InventoryError):
    code = "location_inactive"


class ReservationNotActive(InventoryError):
    """A committed reservation cannot be released, nor a released one committed."""

    code = "reservation_not_active"
