"""Errors of the store's settings, each with a stable code from `StoreSettingsErrorCode`."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.errors import ApplicationError


class StoreSettingsErrorCode(models.TextChoices):
    INVALID = "invalid"
    NAME_REQUIRED = "name_required"
    TOO_LONG = "too_long"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_COUNTRY = "invalid_country"
    INVALID_CURRENCY = "invalid_currency"
    NO_LANGUAGE = "no_language"
    INVALID_LANGUAGE = "invalid_language"
    DEFAULT_LANGUAGE_NOT_ENABLED = "default_language_not_enabled"
    INVALID_TIMEZONE = "invalid_timezone"
    INVALID_UNIT = "invalid_unit"
    TEMPLATE_SCHEMA = "template_schema"


class StoreSettingsError(ApplicationError):
    """One rule of the store's settings refused a value; `field` names the setting and `params`
    the values the message was built from, so interfaces never parse the message."""

    code = StoreSettingsErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: StoreSettingsErrorCode,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.params = params or {}


class StoreSettingsInvalid(StoreSettingsError):
    """Some settings were refused; `errors` holds one `StoreSettingsError` per problem, and nothing
    was saved."""

    def __init__(self, errors: list[StoreSettingsError]) -> None:
        super().__init__(
            " ".join(error.message for error in errors),
            code=StoreSettingsErrorCode.INVALID,
            params={"fields": [error.field for error in errors]},
        )
        self.errors = errors
