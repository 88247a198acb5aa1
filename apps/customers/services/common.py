"""Helpers the customers services share: coded field errors, text clean-up, and the per-shopper
lock."""

from __future__ import annotations

import re
from typing import Any

from apps.accounts.models import User
from apps.customers.errors import CustomerError, CustomerErrorCode

# Digits with the separators people write them with; an optional leading "+" (as store settings).
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_MIN_DIGITS = 4
# Control characters (a NUL byte is refused by PostgreSQL; the others have no place in an address).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def field_error(field: str | None, code: CustomerErrorCode, message: str, **params: Any) -> CustomerError:
    return CustomerError(message, code=code, field=field, params=params)


def text_clean(value: str | None) -> str:
    """Trimmed, with every run of whitespace made one space."""
    return " ".join(str(value or "").split())


def phone_is_valid(phone: str) -> bool:
    return bool(PHONE_RE.match(phone)) and sum(ch.isdigit() for ch in phone) >= PHONE_MIN_DIGITS


def shopper_lock(user: User) -> None:
    """Serialise this shopper's address and wishlist writes (their user row is the lock)."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
