"""Django's CSRF secrets and token masks, drawn with one system call instead of one per character.

Django makes a visitor's CSRF secret, and the mask of every token it hands out, with
`get_random_string`, which draws each of the 32 characters through `secrets.choice`: one
`os.urandom` read per character. A first visit's token (a secret and a mask) costs 64 reads and
the mask's `str.index` lookups, 60-200 µs on the development machine: a third of what serving a
cached storefront page costs, since every page there carries a form (add to cart, newsletter,
currency switcher).

`install()` (run by `CoreConfig.ready`) puts `csrf_string` and `mask_cipher_secret` in place of
`django.middleware.csrf._get_new_csrf_string` and `_mask_cipher_secret`, which Django's own
`get_token` calls, so every caller (the `csrf` context processor, `{% csrf_token %}`, the
storefront's page cache, the admin, allauth) gets them. The values are what Django's are:
`CSRF_SECRET_LENGTH` characters of `CSRF_ALLOWED_CHARS`, each uniformly distributed (one byte of
`os.urandom` per character, bytes at or above the largest multiple of 62 that fits in a byte
thrown away so that none is likelier than another), and a token is still the mask followed by
the secret shifted by it, which Django checks and unmasks unchanged. Should a Django release
rename those functions, `install()` logs a warning and Django's own stay in use (the tests fail).
"""

from __future__ import annotations

import logging
import os

from django.middleware import csrf

logger = logging.getLogger(__name__)

_CHARS = csrf.CSRF_ALLOWED_CHARS
_COUNT = len(_CHARS)
_LIMIT = 256 - 256 % _COUNT  # bytes below it fall on every character equally often
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_REPLACED = ("_get_new_csrf_string", "_mask_cipher_secret")


def csrf_string(length: int = csrf.CSRF_SECRET_LENGTH) -> str:
    """`length` characters of `CSRF_ALLOWED_CHARS`, each uniformly random, from one
    `os.urandom` read (a few spare bytes cover the rejected ones; another read in the rare
    case they do not)."""
    drawn: list[str] = []
    while len(drawn) < length:
        drawn.extend(_CHARS[byte % _COUNT] for byte in os.urandom(length + 8) if byte < _LIMIT)
    return "".join(drawn[:length])


def mask_cipher_secret(secret: str) -> str:
    """A token for `secret`: a new mask, then each character of the secret shifted by the
    mask's (Django's `_mask_cipher_secret`, with a table for the character positions)."""
    mask = csrf_string()
    cipher = "".join(
        _CHARS[(_INDEX[plain] + _INDEX[shift]) % _COUNT] for plain, shift in zip(secret, mask, strict=False)
    )
    return mask + cipher


def install() -> None:
    missing = [name for name in _REPLACED if not callable(getattr(csrf, name, None))]
    if missing:
        logger.warning("django.middleware.csrf has no %s; CSRF tokens are drawn the slow way", missing)
        return
    csrf._get_new_csrf_string = csrf_string  # type: ignore[attr-defined]
    csrf._mask_cipher_secret = mask_cipher_secret  # type: ignore[attr-defined]
