"""The catalog's data version: a token of the current store that changes with every write to
what the admin API's product answers show (products, variants, their options, images,
categories), so a cached answer is checked against it rather than expired by guesswork.

Unlike the storefront's catalog version (bumped by events, delivered by Celery), this one
changes synchronously, so a client that writes and then reads gets what it wrote:

- now, when the write happens (inside the writer's transaction, or at once in autocommit);
- again after the writer's transaction commits: a reader that read the token bumped "now" but
  the rows before the commit may have cached the old rows under it; the token that follows the
  commit retires that entry.

Writes made through the catalog's services call `catalog_data_changed` (their bulk paths
bypass model signals); single-row saves and deletes anywhere (factories, the ORM in a shell)
bump it through the model signals connected in `CatalogConfig.ready`. Anything else that writes
catalog rows behind the ORM's back is bounded by the cached entries' own timeout.

Keys go through the cache's KEY_FUNCTION, which prefixes the current schema: one store's token
never says anything about another store's data.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

from apps.core.tenancy import in_store

logger = logging.getLogger(__name__)

DATA_VERSION_KEY = "catalog:data-version"


def _new_token() -> str:
    return uuid.uuid4().hex[:16]


def catalog_data_version() -> str:
    """The current store's catalog data token (made on first use)."""
    token = cache.get(DATA_VERSION_KEY)
    if isinstance(token, str):
        return token
    cache.add(DATA_VERSION_KEY, _new_token(), None)
    token = cache.get(DATA_VERSION_KEY)
    return token if isinstance(token, str) else _new_token()


def _bump() -> None:
    try:
        cache.set(DATA_VERSION_KEY, _new_token(), None)
    except Exception:  # a cache that cannot be reached holds no answer to retire either
        logger.warning("catalog data version not bumped", exc_info=True)


def catalog_data_changed() -> None:
    """Something the product answers show changed in the current store: a new token now, and
    another once the current transaction commits (one per transaction however many writes)."""
    if not in_store():
        return
    _bump()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        if any(hook[1] is _bump for hook in connection.run_on_commit):
            return
        transaction.on_commit(_bump)


def variants_currency_follow(sender: Any, currency: str, **kwargs: Any) -> None:
    """`store_currency_changed` receiver: every variant is priced in the store's new currency
    (amounts unchanged), in the settings' transaction."""
    from django.utils import timezone

    from apps.catalog.models import ProductVariant

    if ProductVariant.objects.exclude(currency=currency).update(currency=currency, updated_at=timezone.now()):
        catalog_data_changed()


def catalog_row_changed(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete / m2m_changed receiver of the catalog models."""
    if kwargs.get("raw"):  # fixtures being loaded
        return
    catalog_data_changed()


def catalog_signals_connect() -> None:
    """Called from CatalogConfig.ready. Deletes are followed only where the model already has
    delete receivers (audit): a receiver turns off Django's fast delete, which the bulk
    deletes of options, values and images rely on (their services call
    `catalog_data_changed` themselves)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from apps.catalog.models import (
        Category,
        Product,
        ProductImage,
        ProductOption,
        ProductOptionValue,
        ProductVariant,
    )
    from apps.stores.signals import store_currency_changed

    store_currency_changed.connect(variants_currency_follow, dispatch_uid="catalog.variants_currency")
    for model in (Product, ProductVariant, ProductImage, ProductOption, ProductOptionValue, Category):
        post_save.connect(catalog_row_changed, sender=model, dispatch_uid=f"catalog.changed.{model.__name__}")
    for model in (Product, ProductVariant, Category):
        post_delete.connect(
            catalog_row_changed, sender=model, dispatch_uid=f"catalog.deleted.{model.__name__}"
        )
    m2m_changed.connect(
        catalog_row_changed,
        sender=ProductVariant.option_values.through,
        dispatch_uid="catalog.changed.variant_options",
    )
