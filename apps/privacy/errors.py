"""Errors of the privacy app, each with a stable code from `PrivacyErrorCode`."""

from __future__ import annotations

from django.db import models

from apps.core.errors import ApplicationError


class PrivacyErrorCode(models.TextChoices):
    OPEN_ORDERS = "open_orders"
    OPEN_RETURNS = "open_returns"
    ALREADY_ERASED = "already_erased"
    STAFF_ACCOUNT = "staff_account"
    CONFIRMATION_MISMATCH = "confirmation_mismatch"
    RETENTION_INVALID = "invalid_retention"
    RETENTION_KIND_UNKNOWN = "unknown_retention_kind"


class PrivacyError(ApplicationError):
    code = "error"
    codes = PrivacyErrorCode


class ErasureRefused(PrivacyError):
    """The customer still has business with the store (an open order or return), or is erased."""


class RetentionInvalid(PrivacyError):
    code = PrivacyErrorCode.RETENTION_INVALID
