"""The beat scheduler: django-celery-beat's database schedule, plus one entry per periodic
per-store job that the apps registered (apps/core/jobs.py), so a job an app adds is scheduled
without anyone editing settings."""

from __future__ import annotations

from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

FAN_OUT_TASK = "apps.tenants.tasks.store_job_fan_out"


def store_jobs_beat_schedule() -> dict[str, dict[str, Any]]:
    from apps.core.jobs import store_jobs

    return {
        f"store-job:{job.name}": {"task": FAN_OUT_TASK, "schedule": float(job.every), "args": (job.name,)}
        for job in store_jobs()
    }


class Scheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        self.app.conf.beat_schedule.update(store_jobs_beat_schedule())
        super().setup_schedule()
