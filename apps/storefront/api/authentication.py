"""Shopper tokens for headless storefronts: `POST /api/v1/storefront/auth/token` with the
shopper's email and password answers `st_<signed>`, sent back as `Authorization: Bearer st_...`.

A token is signed with the project's secret (Django's signing, salted for this purpose), names
the store's schema and the shopper, carries a fingerprint of the shopper's password (so changing
the password ends every token) and expires after `SHOPPER_TOKEN_MINUTES`. Nothing is stored: a
token of store A is refused on store B's host (another schema in it), a staff account gets
none (its place is the dashboard), and a deactivated shopper's token stops working at once.
Signing in is rate-limited like the HTML sign-in (allauth's `login` and `login_failed` limits,
`ACCOUNT_RATE_LIMITS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from apps.accounts.models import User
from apps.api.errors import ApiErrorCode
from apps.core.tenancy import current_schema

TOKEN_PREFIX = "st_"  # noqa: S105 (a prefix, not a secret)
SHOPPER_TOKEN_MINUTES = 60
_SALT = "apps.storefront.api.shopper-token"
_FINGERPRINT_LENGTH = 16


@dataclass(frozen=True)
class ShopperToken:
    token: str
    expires_at: datetime


def _fingerprint(user: User) -> str:
    # Derived from the password hash: a new password gives a new fingerprint.
    return user.get_session_auth_hash()[:_FINGERPRINT_LENGTH]


def shopper_token_issue(*, user: User) -> ShopperToken:
    """A signed token for `user` in the current store, valid for SHOPPER_TOKEN_MINUTES."""
    payload = {"s": current_schema(), "u": user.pk, "f": _fingerprint(user)}
    signed = signing.dumps(payload, salt=_SALT, compress=True)
    return ShopperToken(
        token=f"{TOKEN_PREFIX}{signed}",
        expires_at=timezone.now() + timedelta(minutes=SHOPPER_TOKEN_MINUTES),
    )


def shopper_token_user(token: str) -> User | None:
    """The active shopper `token` names in this store, or None (bad signature, expired, another
    store's, a changed password, staff)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    try:
        payload = signing.loads(
            token[len(TOKEN_PREFIX) :], salt=_SALT, max_age=timedelta(minutes=SHOPPER_TOKEN_MINUTES)
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or payload.get("s") != current_schema():
        return None
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True, is_staff=False).first()
    if user is None or payload.get("f") != _fingerprint(user):
        return None
    return user


class ShopperTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer st_...`: a shopper signed in through `POST storefront/auth/token`.
    Other Bearer credentials (API keys, `sk_...`) are left to their own class."""

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential.startswith(TOKEN_PREFIX):
            return None
        user = shopper_token_user(credential)
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("The shopper token is invalid or has expired; sign in again."),
                ApiErrorCode.NOT_AUTHENTICATED,
            )
        return user, credential

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
