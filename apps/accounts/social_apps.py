"""The client secret of a social sign-in app (allauth's `SocialApp.secret`) is stored encrypted
with `apps.core.encryption`, so a database dump, a read replica or a store archive holds no
usable OAuth secret.

allauth's model is not ours and its column stays `varchar(191)`: the code that writes an app
(the dashboard's `social_app_save`, the platform admin's form) stores `social_app_secret_encrypt`'s
ciphertext, and the one place allauth gets apps for sign-in (`SocialAccountAdapter.list_apps`)
hands it copies holding the plain secret. A value without the prefix (stored before this was
encrypted, by raw SQL) is read as it is; one no key of this platform decrypts (a store archive
from another platform) reads as `None`: the app then counts as not configured.
"""

from __future__ import annotations

import logging

from cryptography.fernet import InvalidToken

from apps.core.encryption import decrypt, encrypt

logger = logging.getLogger(__name__)

SOCIAL_APP_SECRET_COLUMN_LENGTH = 191  # allauth's SocialApp.secret column

# The longest secret (in UTF-8 bytes) whose ciphertext fits the column: a Fernet token is
# version (1) + timestamp (8) + IV (16) + AES-CBC ciphertext (PKCS7 pads n bytes to
# 16 * (n // 16 + 1)) + HMAC (32) bytes, in urlsafe base64 with padding (4 * ceil(len / 3)),
# after the 5-character prefix. 79 bytes: 80 of ciphertext, 137 in all, 184 in base64, 189
# stored; 80 bytes would need 96 of ciphertext and 209 stored. Real secrets are far shorter
# (Google's about 35 characters, Facebook's 32).
SOCIAL_APP_SECRET_MAX_BYTES = 79


def social_app_secret_encrypt(secret: str) -> str:
    """What to store in `SocialApp.secret` for the plain `secret` (empty stays empty)."""
    if not secret:
        return ""
    if len(secret.encode()) > SOCIAL_APP_SECRET_MAX_BYTES:
        # The writers check the length first; this keeps a longer one from reaching the
        # database, which would refuse it with a less helpful error.
        raise ValueError(f"a social app secret has at most {SOCIAL_APP_SECRET_MAX_BYTES} bytes")
    return encrypt(secret)


def social_app_secret_read(stored: str, *, provider: str = "") -> str | None:
    """The plain secret of a stored `SocialApp.secret`, or `None` when no key of this platform
    decrypts it (logged: the app needs its secret entered again)."""
    if not stored:
        return stored
    try:
        return decrypt(stored)
    except InvalidToken:
        logger.error(
            "The %s sign-in app holds a secret no key of this platform decrypts", provider or "social"
        )
        return None
