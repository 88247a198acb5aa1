"""The theme editor's preview pass: a signed, short-lived token that lets one signed-in member
of one store see the storefront drawn with the unpublished draft theme.

The editor puts `?theme_preview=<token>` on the storefront address its iframe loads; the
storefront (`apps.storefront.theme_preview`) renders the draft only when the token checks out
here. A token names the store's schema and the user it was made for, so it is refused on any
other store (the schema differs), for anyone else (a forwarded link shows a shopper the
published theme) and after THEME_PREVIEW_SECONDS. It grants nothing but seeing the draft.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

from apps.core.tenancy import current_schema, require_store

THEME_PREVIEW_PARAM = "theme_preview"
THEME_PREVIEW_SALT = "stores.theme_preview"
# Long enough for an editing session between two saves (each save makes a new token).
THEME_PREVIEW_SECONDS = 30 * 60


def theme_preview_token_create(*, user: Any) -> str:
    """A preview pass for `user` on the current store."""
    schema = require_store()
    return signing.dumps({"s": schema, "u": str(user.pk)}, salt=THEME_PREVIEW_SALT, compress=True)


def theme_preview_token_valid(*, token: str, user: Any) -> bool:
    """Whether `token` was made on this store for `user` and has not expired."""
    if not token or len(token) > 500 or user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        data = signing.loads(token, salt=THEME_PREVIEW_SALT, max_age=THEME_PREVIEW_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    return (
        isinstance(data, dict)
        and data.get("s") == current_schema()
        and current_schema() != "public"
        and data.get("u") == str(user.pk)
    )
