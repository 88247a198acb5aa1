"""Periodic per-store jobs: apps register what must run in every store, the platform fans it out.

An app registers a job in its `AppConfig.ready()`:

    store_job_register(StoreJob(name="inventory.reservations_release_expired",
                                func=reservations_release_expired, every=5 * 60))

Beat runs `apps.tenants.tasks.store_job_fan_out(name)` on schedule in the public schema; it queues
one `store_job_run` task per serving store, stamped with that store's schema and carrying the
job's own time limit, so a slow or failing store holds up no other. Each run is recorded (see
`apps.tenants.models.StoreJobRun`) and a failing one is retried with backoff. `func` runs inside
the store, takes no arguments and returns a small JSON-able summary (a count or a dict).

`store_task` marks a Celery task body that only makes sense inside one store: it refuses to run in
the public schema instead of quietly working on the platform's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from apps.core.tenancy import require_store


@dataclass(frozen=True)
class StoreJob:
    name: str
    func: Callable[[], Any]
    every: int  # seconds between runs
    time_limit: int = 5 * 60  # hard limit of one store's run, in seconds
    max_retries: int = 3


_jobs: dict[str, StoreJob] = {}


def store_job_register(job: StoreJob) -> StoreJob:
    if job.every <= 0 or job.time_limit <= 0:
        raise ValueError(f"{job.name}: every and time_limit must be positive")
    existing = _jobs.get(job.name)
    if existing is not None and existing.func is not job.func:
        raise ValueError(f"store job {job.name!r} is registered twice")
    _jobs[job.name] = job
    return job


def store_job_get(name: str) -> StoreJob:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no store job named {name!r}") from None


def store_jobs() -> list[StoreJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def store_task[F: Callable[..., Any]](func: F) -> F:
    """Refuse to run `func` outside a store (raises `NotInStoreError` in the public schema)."""

    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_store()
        return func(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
