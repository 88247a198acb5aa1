"""Authentication backends.

`LinkedStaffPasswordGuard` comes first in AUTHENTICATION_BACKENDS. On a store, a staff account
linked to a platform user is entered only through the console's hand-off, so a password sign-in
for it is stopped before any other backend checks the password, even if somebody gave the
account a usable password. It authenticates nobody itself (the backends after it do), but it
restores sessions like Django's ModelBackend, since tools that log in without naming a backend
(the test client's `force_login`) pick the first one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from apps.accounts.models import User
from apps.core.tenancy import in_store


def linked_staff_exists(email: str) -> bool:
    """Whether, in the current store, `email` belongs to a staff account linked to a platform user."""
    if not email or not in_store():
        return False
    # Emails are stored lowercased (`User.save`), so an exact match uses the unique index.
    return User.objects.filter(email=email.strip().lower(), platform_user_uuid__isnull=False).exists()


class LinkedStaffPasswordGuard(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **credentials: Any,
    ) -> None:
        email = username or credentials.get("email") or credentials.get(User.USERNAME_FIELD)
        if not password or not isinstance(email, str) or not linked_staff_exists(email):
            return None
        # Spend the time a password check takes, so the refusal does not stand out from a wrong
        # password by answering faster; then stop every later backend (Django's `authenticate`
        # ends on PermissionDenied and reports a failed login).
        make_password(password)
        raise PermissionDenied("linked store staff sign in through the console hand-off")
