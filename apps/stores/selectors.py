"""Reads of the store's settings.

`store_settings_get` answers for the schema the connection is on, from the tenant-aware cache
(every key carries the schema, see `django_tenants.cache.make_key`), and creates the row with
defaults on the first read. It refuses the public schema: there is no store there, and a
silent fallback would hand one store's answer (or a made-up one) to platform code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.request_memo import request_memo_forget, request_memo_get
from apps.core.tenancy import current_tenant, require_store
from apps.stores.errors import StoreSettingsError, StoreSettingsErrorCode
from apps.stores.models import STORE_SETTINGS_PK, StoreSettings
from apps.stores.regional import language_codes

# Bump the version when StoreSettings changes shape, so pickles of the old shape are not read.
STORE_SETTINGS_CACHE_KEY = "stores:settings:v1"
STORE_SETTINGS_CACHE_SECONDS = 60 * 60


def _tenant_name(schema: str) -> str:
    tenant = current_tenant()
    name = getattr(tenant, "name", "") if getattr(tenant, "schema_name", None) == schema else ""
    if not name:
        # Inside `schema_context` the connection holds a stand-in without a name; the Tenant
        # table lives in public, which is on every store's search path.
        from apps.tenants.models import Tenant

        name = Tenant.objects.filter(schema_name=schema).values_list("name", flat=True).first() or ""
    return str(name) or schema


def store_settings_defaults(*, schema: str) -> dict[str, object]:
    """What a store starts with: the platform's default currency, every language, UTC."""
    languages = language_codes()
    default_language = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in languages else languages[0]
    return {
        "name": _tenant_name(schema)[:100],
        "currency": str(settings.DEFAULT_CURRENCY).upper(),
        "languages": languages,
        "default_language": default_language,
        "timezone": "UTC",
    }


def _load_or_create(schema: str) -> StoreSettings:
    found = StoreSettings.objects.filter(pk=STORE_SETTINGS_PK).first()
    if found is not None:
        return found
    if schema == settings.TENANT_BASE_SCHEMA:
        # New stores are cloned from this schema with its rows; a row made here would give every
        # new store the template's name.
        raise StoreSettingsError(
            _("The template schema has no store settings."), code=StoreSettingsErrorCode.TEMPLATE_SCHEMA
        )
    try:
        with transaction.atomic():
            return StoreSettings.objects.create(
                pk=STORE_SETTINGS_PK, **store_settings_defaults(schema=schema)
            )
    except IntegrityError:
        # Another request created the row first (the primary key is pinned); read theirs.
        return StoreSettings.objects.get(pk=STORE_SETTINGS_PK)


def store_settings_get() -> StoreSettings:
    """This store's settings, created with defaults on the first read. Raises
    `apps.core.tenancy.NotInStoreError` on the public schema. Read once per request (a page
    asks for them from half a dozen places; see apps.core.request_memo): treat the row as
    read-only, as a write goes through `store_settings_update`, which forgets it."""
    schema = require_store()
    return request_memo_get(STORE_SETTINGS_CACHE_KEY, lambda: _cached_or_load(schema))


def _cached_or_load(schema: str) -> StoreSettings:
    cached = cache.get(STORE_SETTINGS_CACHE_KEY)
    if isinstance(cached, StoreSettings):
        return cached
    found = _load_or_create(schema)
    cache.set(STORE_SETTINGS_CACHE_KEY, found, STORE_SETTINGS_CACHE_SECONDS)
    return found


def store_settings_get_many(keys: Sequence[str]) -> dict[str, Any]:
    """The entries of `keys` in the store's cache that are there, read in the same round trip
    as the store's settings, which are then kept for the request as `store_settings_get`
    keeps them. For a request that needs both from its start (the storefront's page cache,
    whose hits then cost one Redis round trip, as a bare page does). A settings entry that is
    missing is left to `store_settings_get`, which loads it."""
    require_store()
    found = cache.get_many([STORE_SETTINGS_CACHE_KEY, *keys])
    row = found.pop(STORE_SETTINGS_CACHE_KEY, None)
    if isinstance(row, StoreSettings):
        request_memo_get(STORE_SETTINGS_CACHE_KEY, lambda: row)
    return found


def store_currency_get() -> str:
    """The ISO 4217 code this store sells in."""
    return store_settings_get().currency


def store_settings_cache_clear() -> None:
    """Forget the cached settings of the current store (the next read goes to the database)."""
    require_store()
    cache.delete(STORE_SETTINGS_CACHE_KEY)
    request_memo_forget(STORE_SETTINGS_CACHE_KEY)
