"""Stable error codes of the REST API (the `error.code` of the envelope)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class ApiErrorCode(models.TextChoices):
    VALIDATION_ERROR = "validation_error", _("The request has invalid fields")
    PARSE_ERROR = "parse_error", _("The body is not valid JSON")
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", _("The body must be JSON")
    NOT_ACCEPTABLE = "not_acceptable", _("The API answers in JSON only")
    BODY_TOO_LARGE = "body_too_large", _("The body is larger than the API accepts")
    NOT_AUTHENTICATED = "not_authenticated", _("Authentication is required")
    KEY_INVALID = "key_invalid", _("The API key is not valid for this store")
    KEY_EXPIRED = "key_expired", _("The API key has expired")
    KEY_REVOKED = "key_revoked", _("The API key was revoked")
    KEY_OWNER_INACTIVE = "key_owner_inactive", _("The member who created the key no longer has access")
    SCOPE_MISSING = "scope_missing", _("The API key lacks a scope")
    PERMISSION_DENIED = "permission_denied", _("Not allowed")
    STORE_READ_ONLY = "store_read_only", _("The store is read-only")
    NOT_FOUND = "not_found", _("Not found")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("Method not allowed")
    THROTTLED = "throttled", _("Too many requests")
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid", _("Invalid Idempotency-Key")
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", _("Idempotency-Key reused with another request")
    IDEMPOTENCY_IN_PROGRESS = (
        "idempotency_in_progress",
        _("A request with this Idempotency-Key is in progress"),
    )
    SERVER_ERROR = "server_error", _("Server error")


class ApiKeyError(ApplicationError):
    """Creating or revoking a key was refused."""

    code = "api_key_invalid"
