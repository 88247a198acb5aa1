"""Errors of the customers app, each with a stable code from `CustomerErrorCode` (Saleor's
`AccountErrorCode` style). A `CustomerError` carries the form `field` it concerns and the
`params` its message was built from, so interfaces never parse a message."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.errors import ApplicationError


class CustomerErrorCode(models.TextChoices):
    # addresses and profile
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_CHARACTERS = "invalid_characters"
    COUNTRY_INVALID = "invalid_country"
    REGION_INVALID = "invalid_region"
    CITY_INVALID = "invalid_city"
    POSTAL_CODE_REQUIRED = "postal_code_required"
    POSTAL_CODE_INVALID = "invalid_postal_code"
    PHONE_INVALID = "invalid_phone"
    ADDRESS_NOT_FOUND = "address_not_found"
    ADDRESS_LIMIT = "address_limit"
    # customer records
    EMAIL_INVALID = "invalid_email"
    EMAIL_TAKEN = "email_taken"
    AMOUNT_INVALID = "invalid_amount"
    # wishlist
    PRODUCT_UNAVAILABLE = "product_unavailable"
    WISHLIST_FULL = "wishlist_full"
    # social sign-in settings
    PROVIDER_UNKNOWN = "unknown_provider"
    CLIENT_ID_INVALID = "invalid_client_id"
    SECRET_INVALID = "invalid_secret"  # noqa: S105 (an error code, not a secret)


class CustomerError(ApplicationError):
    code = CustomerErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: CustomerErrorCode,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.params = params or {}


class CustomerInputInvalid(CustomerError):
    """Some values were refused; `errors` holds one `CustomerError` per problem, and nothing was
    saved."""

    def __init__(self, errors: list[CustomerError]) -> None:
        super().__init__(
            " ".join(error.message for error in errors),
            code=CustomerErrorCode.INVALID,
            params={"fields": [error.field for error in errors]},
        )
        self.errors = errors


class AddressNotFound(CustomerError):
    """No address with this id belongs to this shopper in this store (interfaces answer 404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=CustomerErrorCode.ADDRESS_NOT_FOUND)
