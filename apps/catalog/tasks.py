"""Catalog background work: product CSV imports. Tasks run in the schema of the store that
queued them (tenant-schemas-celery) and only load a run and call the bulk service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from apps.catalog.bulk import product_import_run
from apps.catalog.errors import CatalogErrorCode
from apps.catalog.models import ImportRun
from apps.catalog.services.imports import import_run_finish

logger = logging.getLogger(__name__)

# 100,000 rows (the default CATALOG_IMPORT_MAX_ROWS) take a few minutes; the limit leaves room.
IMPORT_TIME_LIMIT = 30 * 60
IMPORT_SOFT_TIME_LIMIT = IMPORT_TIME_LIMIT - 60


@shared_task(
    acks_late=True,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    # Only failures to reach the database before the run is claimed get here (afterwards the
    # service records every failure on the run), so a retry finds the run still PENDING.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
)
def product_import_task(run_id: int) -> str:
    """Import a PENDING product CSV run; running it twice does nothing the second time."""
    run = ImportRun.objects.filter(pk=run_id, kind=ImportRun.Kind.PRODUCT_CSV).first()
    if run is None:
        logger.warning("product import run %s not found", run_id)
        return "missing"
    if (
        run.status == ImportRun.Status.RUNNING
        and run.started_at is not None
        and run.started_at < timezone.now() - timedelta(seconds=IMPORT_TIME_LIMIT)
    ):
        # Past the hard time limit nothing can still be working on it: its worker died.
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            code=CatalogErrorCode.IMPORT_INTERRUPTED,
        )
    if run.status != ImportRun.Status.PENDING:
        return str(run.status)
    return str(product_import_run(run=run).status)
