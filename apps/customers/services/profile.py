"""The shopper's own profile (the name they are addressed by)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.customers.errors import CustomerErrorCode, CustomerInputInvalid
from apps.customers.services.common import CONTROL_CHARACTERS, field_error, text_clean

FULL_NAME_MAX_LENGTH = 150


def customer_profile_update(*, user: User, full_name: str) -> User:
    """Change the name a shopper is addressed by. The email is the sign-in and is changed
    through allauth's email pages, which verify it."""
    name = text_clean(full_name)
    if CONTROL_CHARACTERS.search(str(full_name or "")):
        raise CustomerInputInvalid(
            [
                field_error(
                    "full_name",
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("The name contains characters that cannot be saved."),
                )
            ]
        )
    if len(name) > FULL_NAME_MAX_LENGTH:
        raise CustomerInputInvalid(
            [
                field_error(
                    "full_name",
                    CustomerErrorCode.TOO_LONG,
                    _("The name can be at most %(max)d characters long.") % {"max": FULL_NAME_MAX_LENGTH},
                    max=FULL_NAME_MAX_LENGTH,
                )
            ]
        )
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user
