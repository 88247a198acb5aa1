from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from apps.tenants.models import Domain, Tenant
from apps.tenants.routing import routing_cache_clear

# Sent (with `tenant`) while a new store is provisioned, once its schema exists and before it
# serves: apps that must put something in every new store (its staff accounts) listen here.
store_schema_ready = Signal()

# Sent by `migrate_all` once the public schema is migrated (no arguments), and once the store
# template schema is migrated (with `schema_name`, the connection still on public): apps that
# keep rows there (the platform's own site; the starter content every store is cloned with) put
# them right, idempotently.
public_schema_migrated = Signal()
template_schema_migrated = Signal()


@receiver([post_save, post_delete], sender=Tenant)
@receiver([post_save, post_delete], sender=Domain)
def _routing_changed(sender: Any, **kwargs: Any) -> None:
    routing_cache_clear()
