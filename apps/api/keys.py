"""API keys: created by a member, shown once, stored hashed, revocable, expiring.

A key reads `sk_<prefix>_<secret>`: the prefix (12 characters) finds the row, the whole key's
SHA-256 proves it. Creating and revoking a key are events (`api_key.created`,
`api_key.revoked`), so the store's activity log says who did it and when.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.api.errors import ApiErrorCode, ApiKeyError
from apps.api.models import ApiKey
from apps.api.scopes import ALL_SCOPES, scope_permission
from apps.core.events import event_emit
from apps.core.permissions import user_permissions

KEY_PREFIX = "sk_"
PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 100
LAST_USED_EVERY = 60  # seconds: the last-used time and address are written at most this often


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    plaintext: str  # shown once, never stored


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _payload(key: ApiKey, actor: Any) -> dict[str, Any]:
    return {
        "api_key": str(key.uuid),
        "name": key.name,
        "prefix": key.prefix,
        "scopes": sorted(key.scopes),
        "by": getattr(actor, "email", "") or "",
    }


def api_key_create(
    *, name: str, scopes: list[str], created_by: Any, expires_at: datetime | None = None
) -> CreatedKey:
    """A new key for `created_by`, who must hold the permission behind every scope granted."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError(_("Give the key a name."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ApiKeyError(
            _("A key's name has at most %(n)d characters.") % {"n": MAX_NAME_LENGTH}, field="name"
        )
    wanted = sorted(set(scopes))
    unknown = [scope for scope in wanted if scope not in ALL_SCOPES]
    if unknown:
        raise ApiKeyError(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes")
    if not wanted:
        raise ApiKeyError(_("Choose at least one scope."), field="scopes")
    held = user_permissions(created_by)
    beyond = [scope for scope in wanted if scope_permission(scope) not in held]
    if beyond:
        raise ApiKeyError(
            _("Your role cannot grant: %(scopes)s.") % {"scopes": ", ".join(beyond)}, field="scopes"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiKeyError(_("The expiry date must be in the future."), field="expires_at")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            secret_hash=_hash(plaintext),
            scopes=wanted,
            created_by=created_by,
            expires_at=expires_at,
        )
        event_emit(name="api_key.created", payload=_payload(key, created_by))
    return CreatedKey(key=key, plaintext=plaintext)


def api_key_revoke(*, key: ApiKey, revoked_by: Any) -> ApiKey:
    """Revoke `key` at once; revoking twice changes nothing."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = revoked_by
            locked.save(update_fields=["revoked_at", "revoked_by"])
            event_emit(name="api_key.revoked", payload=_payload(locked, revoked_by))
    return locked


class KeyRefused(Exception):
    def __init__(self, code: ApiErrorCode) -> None:
        super().__init__(code.label)
        self.code = code


def api_key_authenticate(raw: str) -> ApiKey:
    """The active key `raw` names in this store, or `KeyRefused` saying why not."""
    body = raw[len(KEY_PREFIX) :] if raw.startswith(KEY_PREFIX) else ""
    prefix, _sep, secret = body.partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        raise KeyRefused(ApiErrorCode.KEY_INVALID)
    key = ApiKey.objects.select_related("created_by").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(raw)):
        raise KeyRefused(ApiErrorCode.KEY_INVALID)
    if key.revoked_at is not None:
        raise KeyRefused(ApiErrorCode.KEY_REVOKED)
    if key.is_expired():
        raise KeyRefused(ApiErrorCode.KEY_EXPIRED)
    if not user_permissions(key.created_by):
        raise KeyRefused(ApiErrorCode.KEY_OWNER_INACTIVE)
    return key


def api_key_touch(*, key: ApiKey, address: str | None) -> None:
    """Record when and from where the key was last used, at most once a minute per key."""
    if not cache.add(f"api-key-used:{key.pk}", 1, timeout=LAST_USED_EVERY):
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now(), last_used_ip=address or None)
