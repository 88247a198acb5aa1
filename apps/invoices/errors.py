"""Why an invoice or a credit note could not be issued (stable codes, see apps.core.errors)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class InvoiceErrorCode(models.TextChoices):
    INVOICE_ERROR = "invoice_error", _("Invoice error")
    ORDER_NOT_PAID = "order_not_paid", _("The order has not been paid")
    NOTHING_TO_CREDIT = "nothing_to_credit", _("Nothing left to credit")
    CURRENCY_MISMATCH = "currency_mismatch", _("Refund in another currency")
    FORMAT_INVALID = "format_invalid", _("Number format not valid")


class InvoiceError(ApplicationError):
    code: str = InvoiceErrorCode.INVOICE_ERROR
    codes = InvoiceErrorCode
