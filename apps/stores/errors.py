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
    INVALID_POSTAL_CODE = "invalid_postal_code"
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


class ExchangeRateErrorCode(models.TextChoices):
    INVALID = "invalid"
    INVALID_CURRENCY = "invalid_currency"
    STORE_CURRENCY = "store_currency"
    INVALID_RATE = "invalid_rate"
    NOT_FOUND = "not_found"
    INVALID_URL = "invalid_url"
    FEED_UNREACHABLE = "feed_unreachable"
    FEED_INVALID = "feed_invalid"
    FEED_LACKS_STORE_CURRENCY = "feed_lacks_store_currency"


class ExchangeRateError(ApplicationError):
    """An exchange rate or the feed they come from was refused; `params` holds the values the
    message was built from (a job stores the code and params, never the sentence)."""

    code = ExchangeRateErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: ExchangeRateErrorCode,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.params = params or {}


class ThemeErrorCode(models.TextChoices):
    INVALID = "invalid"
    TEMPLATE_SCHEMA = "template_schema"
    UNKNOWN_PRESET = "unknown_preset"
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 - a design token, not a secret
    INVALID_COLOR = "invalid_color"
    UNKNOWN_FONT = "unknown_font"
    LOW_CONTRAST = "low_contrast"
    NOT_A_LIST = "not_a_list"
    NOT_AN_OBJECT = "not_an_object"
    TOO_MANY_BLOCKS = "too_many_blocks"
    UNKNOWN_BLOCK_TYPE = "unknown_block_type"
    INVALID_BLOCK_ID = "invalid_block_id"
    DUPLICATE_BLOCK_ID = "duplicate_block_id"
    UNKNOWN_FIELD = "unknown_field"
    REQUIRED = "required"
    NOT_TEXT = "not_text"
    TOO_LONG = "too_long"
    INVALID_URL = "invalid_url"
    INVALID_CHOICE = "invalid_choice"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_BOOLEAN = "not_a_boolean"
    INVALID_DATETIME = "invalid_datetime"
    INVALID_HANDLE = "invalid_handle"
    TOO_FEW_ITEMS = "too_few_items"
    TOO_MANY_ITEMS = "too_many_items"
    UNKNOWN_LANGUAGE = "unknown_language"
    NOT_TRANSLATABLE = "not_translatable"


class ThemeError(ApplicationError):
    """One rule of a store's theme refused a value. `field` is the path of the value in the
    theme ("preset", "tokens.primary", "blocks[2].data.items[0].quote") and `params` the values
    the message was built from."""

    code = ThemeErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: ThemeErrorCode,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.params = params or {}


class ThemeInvalid(ThemeError):
    """Some parts of a theme were refused; `errors` holds one `ThemeError` per problem, and
    nothing was saved."""

    def __init__(self, errors: list[ThemeError]) -> None:
        super().__init__(
            " ".join(error.message for error in errors),
            code=ThemeErrorCode.INVALID,
            params={"fields": [error.field for error in errors]},
        )
        self.errors = errors


class NewsletterErrorCode(models.TextChoices):
    INVALID_EMAIL = "invalid_email"
    LINK_INVALID = "link_invalid"  # forged, altered, or another store's (or purpose's) link
    LINK_EXPIRED = "link_expired"
    LINK_USED_UP = "link_used_up"  # a confirmation link of an address that has unsubscribed since


class NewsletterError(ApplicationError):
    code = NewsletterErrorCode.INVALID_EMAIL
