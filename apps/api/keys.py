"""API keys: created by a member, shown once, stored hashed, revocable, expiring.

A key reads `sk_<prefix>_<secret>`: the prefix (12 characters) finds the row, the whole key's
SHA-256 proves it. Creating and revoking a key are events (`api_key.created`,
`api_key.revoked`), so the store's activity log says who did it and when.

A key found is kept in the cache for `KEY_CACHE_SECONDS` (its row, and of its creator only what
decides what the key may do: active, staff, role; the creator's other fields, password hash
included, are never kept and load on first use), so a request costs no query to authenticate. The cache's KEY_FUNCTION
prefixes the schema, so a key kept for store A is unknown on store B. Whatever changes what a
key may do drops the entry at once, and again once its transaction commits (a request that
read the row before the commit may have kept the old one): saving or deleting the key
(`api_key_revoke` saves it), and saving a user's active flag, staff flag or role, or deleting
the user, for every key that user created (receivers connected in ApiConfig.ready). Expiry is
checked on every request against the kept expiry time. A write that bypasses the ORM's signals
is seen when the entry times out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.api.errors import ApiErrorCode, ApiKeyError
from apps.api.models import ApiKey
from apps.api.scopes import ALL_SCOPES, scope_permission
from apps.core.events import event_emit
from apps.core.permissions import user_permissions
from apps.core.tenancy import current_schema, in_store

KEY_PREFIX = "sk_"
PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 100
LAST_USED_EVERY = 60  # seconds: the last-used time and address are written at most this often
KEY_CACHE_SECONDS = 60
# What of a user decides what their keys may do (apps.core.permissions.user_permissions).
USER_FIELDS_OF_KEYS = frozenset({"is_active", "is_staff", "store_role"})


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


def _cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


_CREATOR_FIELDS = ("id", *sorted(USER_FIELDS_OF_KEYS))


def _kept_of(key: ApiKey) -> dict[str, Any]:
    creator = key.created_by
    return {
        "key": {field.attname: getattr(key, field.attname) for field in ApiKey._meta.concrete_fields},
        "creator": None if creator is None else {name: getattr(creator, name) for name in _CREATOR_FIELDS},
    }


def _key_of(kept: Any) -> ApiKey | None:
    """The key a kept entry describes; fields the entry lacks (a field added since) are
    deferred, so they load from the row when read, as the creator's other fields do."""
    if not isinstance(kept, dict) or not isinstance(kept.get("key"), dict):
        return None
    names = [field.attname for field in ApiKey._meta.concrete_fields if field.attname in kept["key"]]
    key = ApiKey.from_db(DEFAULT_DB_ALIAS, names, [kept["key"][name] for name in names])
    creator = kept.get("creator")
    if isinstance(creator, dict):
        user_names = [name for name in _CREATOR_FIELDS if name in creator]
        key.created_by = User.from_db(DEFAULT_DB_ALIAS, user_names, [creator[name] for name in user_names])
    else:
        key.created_by = None
    return key


def api_key_authenticate(raw: str) -> ApiKey:
    """The active key `raw` names in this store, or `KeyRefused` saying why not."""
    body = raw[len(KEY_PREFIX) :] if raw.startswith(KEY_PREFIX) else ""
    prefix, _sep, secret = body.partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        raise KeyRefused(ApiErrorCode.KEY_INVALID)
    key = _key_of(cache.get(_cache_key(prefix)))
    if key is None:
        key = ApiKey.objects.select_related("created_by").filter(prefix=prefix).first()
        if key is not None:  # unknown prefixes are not kept: anyone can make up new ones
            cache.set(_cache_key(prefix), _kept_of(key), KEY_CACHE_SECONDS)
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(raw)):
        raise KeyRefused(ApiErrorCode.KEY_INVALID)
    if key.revoked_at is not None:
        raise KeyRefused(ApiErrorCode.KEY_REVOKED)
    if key.is_expired():
        raise KeyRefused(ApiErrorCode.KEY_EXPIRED)
    if not user_permissions(key.created_by):
        raise KeyRefused(ApiErrorCode.KEY_OWNER_INACTIVE)
    return key


# (schema, key id) -> when this process last asked the cache whether to write the key's use
_touch_asked: dict[tuple[str, int], float] = {}


def api_key_touch(*, key: ApiKey, address: str | None) -> None:
    """Record when and from where the key was last used, at most once a minute per key: the
    cache's SET NX decides across processes, and a process that asked it in the last minute
    does not ask again."""
    marker, now = (current_schema(), key.pk), time.monotonic()
    if now - _touch_asked.get(marker, -LAST_USED_EVERY) < LAST_USED_EVERY:
        return
    if len(_touch_asked) > 10_000:
        _touch_asked.clear()
    _touch_asked[marker] = now
    if not cache.add(f"api-key-used:{key.pk}", 1, timeout=LAST_USED_EVERY):
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now(), last_used_ip=address or None)


# ------------------------------------------------------------------------------
# dropping kept keys when what they may do changes (receivers, see ApiConfig.ready)
# ------------------------------------------------------------------------------
def api_keys_forget(prefixes: list[str]) -> None:
    """Drop the kept entries of `prefixes` in the current store, now and after the commit."""
    if not prefixes:
        return
    names = [_cache_key(prefix) for prefix in prefixes]
    cache.delete_many(names)
    schema = current_schema()

    def again() -> None:
        from django_tenants.utils import schema_context

        with schema_context(schema):
            cache.delete_many(names)

    transaction.on_commit(again)


def api_key_saved_or_deleted(sender: Any, instance: ApiKey, **kwargs: Any) -> None:
    if instance.prefix:
        api_keys_forget([instance.prefix])


def api_key_creator_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A user's active flag, staff flag or role changed (or may have: a save of every field):
    their keys are looked up afresh."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("created") or kwargs.get("raw") or not in_store():
        return
    if update_fields is not None and not USER_FIELDS_OF_KEYS & set(update_fields):
        return  # a sign-in's last_login, a new session stamp: nothing a key depends on
    api_keys_forget(_prefixes_of(instance.pk))


def api_key_creator_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_delete: once the user is gone their keys' creator is NULL, and the keys with them."""
    if in_store():
        api_keys_forget(_prefixes_of(instance.pk))


def _prefixes_of(user_id: Any) -> list[str]:
    return list(ApiKey.objects.filter(created_by_id=user_id).values_list("prefix", flat=True))
