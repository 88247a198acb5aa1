"""Sourcing tasks: supplier imports and one supplier's sync, each inside one store.

The hourly sync is the periodic store job "sourcing.suppliers_sync" (apps/sourcing/jobs.py): the
platform runs it once per store, and it queues one `supplier_sync_task` per supplier, so a slow
or failing supplier holds up no other.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task

from apps.core.jobs import store_task
from apps.sourcing.errors import TEXT_PARAM, SourcingErrorCode
from apps.sourcing.models import Supplier
from apps.sourcing.services import SyncResult, supplier_import_run, supplier_sync

logger = logging.getLogger(__name__)

# Result fields that hold a translated sentence: kept out of what tasks return or store.
HUMAN_TEXT_FIELDS = frozenset({"error", "message"})


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, acks_late=True)
@store_task
def supplier_import_task(run_id: int) -> str:
    return str(supplier_import_run(run_id=run_id).status)


def sync_result_payload(result: SyncResult) -> dict[str, Any]:
    """What a sync task returns: the result's data (counts, error code and parameters), never
    its sentence for people, which is in one language and not meant to be parsed."""
    payload = {key: value for key, value in asdict(result).items() if key not in HUMAN_TEXT_FIELDS}
    if isinstance(payload.get("error_params"), dict):
        payload["error_params"] = {
            key: value for key, value in payload["error_params"].items() if key != TEXT_PARAM
        }
    return payload


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, acks_late=True)
@store_task
def supplier_sync_task(supplier_id: int) -> dict[str, Any]:
    supplier = Supplier.objects.filter(pk=supplier_id, is_active=True).first()
    if supplier is None:
        return {
            "supplier_id": supplier_id,
            "ok": False,
            "error_code": SourcingErrorCode.SUPPLIER_NOT_FOUND.value,
            "error_params": {"supplier_id": supplier_id},
        }
    return sync_result_payload(supplier_sync(supplier=supplier))
