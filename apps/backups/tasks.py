"""The dashboard's "download my store" export, made by a worker."""

from __future__ import annotations

from celery import shared_task

from apps.backups.services import store_export_run


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60, acks_late=True)
def store_export_task(export_id: int) -> str:
    return str(store_export_run(export_id=export_id).status)
