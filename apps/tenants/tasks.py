"""Provisioning, and the fan-out of periodic per-store jobs (see apps/core/jobs.py).

Beat sends `store_job_fan_out(name)` in the public schema. It queues one `store_job_run(name)` per
serving store from inside that store (tenant-schemas-celery stamps the message with the schema),
with the job's own time limit. `store_job_run` records how each store's run went in
`StoreJobRun`; a store whose job raises is recorded and retried with backoff, and no other store
notices.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django_tenants.utils import tenant_context

from apps.core.jobs import store_job_get, store_task
from apps.core.tenancy import current_schema
from apps.tenants.models import StoreJobRun, Tenant
from apps.tenants.services import store_job_run_finished, store_job_run_started, store_provision

logger = logging.getLogger(__name__)


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60, acks_late=True)
def store_provision_task(tenant_id: int) -> str:
    return store_provision(tenant_id=tenant_id).status


def serving_stores() -> list[Tenant]:
    return list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public").order_by("pk")
    )


@shared_task
def store_job_fan_out(name: str) -> dict[str, Any]:
    """Queue `name` once in every serving store; a store whose message cannot be queued is
    recorded as failed and the loop goes on."""
    job = store_job_get(name)
    queued = failed = 0
    for tenant in serving_stores():
        try:
            with tenant_context(tenant):
                store_job_run.apply_async(
                    args=(name,),
                    time_limit=job.time_limit,
                    soft_time_limit=max(job.time_limit - 10, 1),
                )
        except Exception as exc:  # one store's failure to queue must not stop the others
            logger.exception("could not queue %s for %s", name, tenant.schema_name)
            store_job_run_finished(tenant=tenant, job=name, error=exc)
            failed += 1
        else:
            queued += 1
    return {"job": name, "queued": queued, "failed": failed}


def _retry_countdown(retries: int) -> int:
    return min(int(settings.STORE_JOB_RETRY_BASE_SECONDS) * 2**retries, 60 * 60)


@shared_task(bind=True, acks_late=True)
@store_task
def store_job_run(self: Any, name: str) -> dict[str, Any]:
    """Run one registered job in the current store and record the outcome."""
    job = store_job_get(name)
    tenant = Tenant.objects.get(schema_name=current_schema())
    store_job_run_started(tenant=tenant, job=name)
    try:
        result = job.func()
    except Exception as exc:
        logger.exception("store job %s failed in %s", name, tenant.schema_name)
        run = store_job_run_finished(tenant=tenant, job=name, error=exc)
        if not self.request.is_eager and self.request.retries < job.max_retries:
            raise self.retry(countdown=_retry_countdown(self.request.retries), exc=exc) from exc
        return {"job": name, "status": run.status, "error": run.error_code}
    run = store_job_run_finished(tenant=tenant, job=name, result=result)
    return {"job": name, "status": run.status, "result": run.result}


__all__ = ["StoreJobRun", "serving_stores", "store_job_fan_out", "store_job_run", "store_provision_task"]
