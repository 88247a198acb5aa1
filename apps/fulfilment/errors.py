"""Fulfilment errors: one `FulfilmentErrorCode` per way a shipment operation can be refused.
Callers decide on the code (and `field`, for forms); nothing parses the message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class FulfilmentErrorCode(models.TextChoices):
    FULFILMENT_ERROR = "fulfilment_error", _("Fulfilment error")
    ORDER_NOT_FULFILLABLE = "order_not_fulfillable", _("Order cannot be fulfilled")
    NOTHING_TO_FULFIL = "nothing_to_fulfil", _("Nothing to fulfil")
    LINE_UNKNOWN = "line_unknown", _("Line not in this order")
    QUANTITY_TOO_LARGE = "quantity_too_large", _("More than is left to fulfil")
    QUANTITY_INVALID = "quantity_invalid", _("Invalid quantity")
    CARRIER_UNKNOWN = "carrier_unknown", _("Unknown carrier")
    TRACKING_NUMBER_REQUIRED = "tracking_number_required", _("Tracking number required")
    TRACKING_NUMBER_INVALID = "tracking_number_invalid", _("Invalid tracking number")
    TRACKING_URL_INVALID = "tracking_url_invalid", _("Invalid tracking link")
    NOT_CANCELLABLE = "not_cancellable", _("Shipment cannot be cancelled")
    CANCELLED = "cancelled", _("Shipment cancelled")
    ALREADY_RECORDED = "already_recorded", _("Shipment already recorded")


class FulfilmentError(ApplicationError):
    code: str = FulfilmentErrorCode.FULFILMENT_ERROR
    codes = FulfilmentErrorCode
