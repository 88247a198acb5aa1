"""Sourcing tasks: supplier imports, and the hourly sync fanned out store by store.

Beat runs `suppliers_sync_all` in the public schema; it enters each serving store and sends
`supplier_sync_store` from there, so tenant-schemas-celery stamps the message with that store's
schema and the worker runs it inside that store. The store task queues one sync per supplier,
so a slow or failing supplier holds up no other.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django_tenants.utils import tenant_context

from apps.core.tenancy import current_schema
from apps.sourcing.models import Supplier
from apps.sourcing.services import supplier_import_run, supplier_sync, supplier_sync_queue, supplier_syncable
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)


def _require_store() -> None:
    if current_schema() == "public":
        raise RuntimeError("This task works on one store's data; send it from inside a tenant context.")


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, acks_late=True)
def supplier_import_task(run_id: int) -> str:
    _require_store()
    return str(supplier_import_run(run_id=run_id).status)


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, acks_late=True)
def supplier_sync_task(supplier_id: int) -> dict[str, Any]:
    _require_store()
    supplier = Supplier.objects.filter(pk=supplier_id, is_active=True).first()
    if supplier is None:
        return {"supplier_id": supplier_id, "ok": False, "error": "missing or inactive"}
    return asdict(supplier_sync(supplier=supplier))


@shared_task
def supplier_sync_store() -> dict[str, Any]:
    """Queue a sync of every supplier of this store that syncs automatically."""
    _require_store()
    queued = []
    for supplier in supplier_syncable():
        supplier_sync_queue(supplier=supplier)
        queued.append(supplier.pk)
    return {"schema": current_schema(), "suppliers": queued}


@shared_task
def suppliers_sync_all() -> dict[str, int]:
    """Hourly (beat, public schema): send each serving store's sync from inside that store."""
    stores = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
        with tenant_context(tenant):
            supplier_sync_store.delay()
        stores += 1
    logger.info("supplier sync queued", extra={"stores": stores})
    return {"stores": stores}
