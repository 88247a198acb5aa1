"""A store's schema references nothing outside itself.

Moving a store to another database server (Citus schema-based sharding, or a database per group
of stores; docs/scaling.md) needs every foreign key of a store table to point at a table of the
same schema. A store model with a foreign key to a platform-only model (an app in SHARED_APPS
and not in TENANT_APPS) would tie the store to the platform's database: refer to such rows by
id or natural key instead.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings


def test_no_store_model_has_a_foreign_key_to_a_platform_only_model() -> None:
    store_apps = set(settings.TENANT_APPS)
    crossing = []
    checked = 0
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name not in store_apps:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
                continue
            checked += 1
            target = field.related_model
            if target is not None and target._meta.app_config.name not in store_apps:  # type: ignore[union-attr]
                crossing.append(f"{model._meta.label}.{field.name} -> {target._meta.label}")  # type: ignore[union-attr]
    assert checked > 100  # the walk saw the store's relations
    assert crossing == []
