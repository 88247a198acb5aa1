"""Periodic per-store jobs: one task per store, each recorded, failures isolated and retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.catalog.models import ImportRun
from apps.core import jobs as core_jobs
from apps.core.jobs import StoreJob, store_job_register, store_jobs, store_task
from apps.core.models import EventRecord
from apps.core.tenancy import NotInStoreError, current_schema
from apps.tenants.models import StoreJobRun
from apps.tenants.tasks import store_job_fan_out, store_job_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def temporary_jobs(monkeypatch):
    """Jobs registered in a test vanish after it."""
    monkeypatch.setattr(core_jobs, "_jobs", dict(core_jobs._jobs))


def _run_everywhere(name: str) -> dict:
    return store_job_fan_out.delay(name).get()


def test_housekeeping_jobs_visit_every_store_and_only_remove_what_expired(alpha, beta, settings):
    # given: in each store a stale and a fresh session, an old and a new event, a dead and a live import
    settings.EVENT_LOG_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            stale = SessionStore()
            stale.create()
            Session.objects.filter(session_key=stale.session_key).update(expire_date=old)
            SessionStore().create()
            EventRecord.objects.create(name="old.event")
            EventRecord.objects.update(created_at=old)
            EventRecord.objects.create(name="new.event")
            ImportRun.objects.create(kind="product_csv", status="running", started_at=old)
            ImportRun.objects.create(kind="product_csv", status="running", started_at=timezone.now())

    # when
    for name in ("core.sessions_purge", "core.event_log_purge", "catalog.import_runs_fail_interrupted"):
        outcome = _run_everywhere(name)
        assert outcome["queued"] >= 2 and outcome["failed"] == 0

    # then
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            assert list(EventRecord.objects.values_list("name", flat=True)) == ["new.event"]
            assert Session.objects.filter(expire_date__lt=timezone.now()).count() == 0
            assert Session.objects.count() >= 1
            assert sorted(ImportRun.objects.values_list("status", flat=True)) == ["failed", "running"]
        run = StoreJobRun.objects.get(tenant=world.tenant, job="core.event_log_purge")
        assert run.status == StoreJobRun.Status.SUCCEEDED and (run.result or 0) >= 1 and run.last_success_at


def test_a_store_whose_job_raises_does_not_stop_the_next_store(alpha, beta, temporary_jobs):
    # given: a job that breaks in alpha only; alpha comes first (stores are visited by id)
    seen: list[str] = []

    def touchy() -> int:
        seen.append(current_schema())
        if current_schema() == alpha.tenant.schema_name:
            raise ValueError("alpha's data is broken")
        return 7

    store_job_register(StoreJob(name="test.touchy", func=touchy, every=60))
    assert alpha.tenant.pk < beta.tenant.pk

    # when
    outcome = _run_everywhere("test.touchy")

    # then: beta ran after alpha failed; both outcomes are recorded
    assert outcome["failed"] == 0 and outcome["queued"] >= 2
    assert seen.index(beta.tenant.schema_name) > seen.index(alpha.tenant.schema_name)
    failed = StoreJobRun.objects.get(tenant=alpha.tenant, job="test.touchy")
    assert failed.status == StoreJobRun.Status.FAILED
    assert failed.error_code == "ValueError" and "broken" in failed.error_detail
    assert failed.consecutive_failures == 1 and failed.last_success_at is None
    ok = StoreJobRun.objects.get(tenant=beta.tenant, job="test.touchy")
    assert ok.status == StoreJobRun.Status.SUCCEEDED and ok.result == 7

    # and a second failure counts up, a later success resets it
    _run_everywhere("test.touchy")
    failed.refresh_from_db()
    assert failed.consecutive_failures == 2


def test_a_store_whose_message_cannot_be_queued_is_recorded_and_the_loop_goes_on(
    alpha, beta, temporary_jobs, monkeypatch
):
    store_job_register(StoreJob(name="test.quiet", func=lambda: 1, every=60))
    original = store_job_run.apply_async

    def flaky_broker(*args, **kwargs):
        if current_schema() == alpha.tenant.schema_name:
            raise ConnectionError("broker went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(store_job_run, "apply_async", flaky_broker)

    outcome = _run_everywhere("test.quiet")

    assert outcome["failed"] == 1 and outcome["queued"] >= 1
    assert StoreJobRun.objects.get(tenant=alpha.tenant, job="test.quiet").error_code == "ConnectionError"
    assert StoreJobRun.objects.get(tenant=beta.tenant, job="test.quiet").status == "succeeded"


def test_each_store_run_carries_the_jobs_own_time_limit(alpha, temporary_jobs, monkeypatch):
    store_job_register(StoreJob(name="test.slow", func=lambda: 1, every=60, time_limit=90))
    sent: list[dict] = []
    monkeypatch.setattr(store_job_run, "apply_async", lambda *a, **kw: sent.append(kw))

    _run_everywhere("test.slow")

    assert sent and all(kw["time_limit"] == 90 and kw["soft_time_limit"] == 80 for kw in sent)


def test_store_only_tasks_refuse_to_run_in_public(alpha):
    assert current_schema() == "public"
    with pytest.raises(NotInStoreError):
        store_job_run.apply(args=("core.sessions_purge",)).get()

    @store_task
    def per_store() -> str:
        return current_schema()

    with pytest.raises(NotInStoreError):
        per_store()
    with schema_context(alpha.tenant.schema_name):
        assert per_store() == alpha.tenant.schema_name


def test_an_unknown_job_is_refused():
    with pytest.raises(LookupError):
        store_job_fan_out.apply(args=("no.such.job",)).get()


def test_registering_a_different_function_under_a_taken_name_is_refused(temporary_jobs):
    store_job_register(StoreJob(name="test.once", func=lambda: 1, every=60))
    with pytest.raises(ValueError, match="registered twice"):
        store_job_register(StoreJob(name="test.once", func=lambda: 2, every=60))


def test_the_beat_schedule_names_real_tasks_and_every_registered_job():
    from config.beat import store_jobs_beat_schedule
    from config.celery import app

    app.loader.import_default_modules()
    schedule = {**app.conf.beat_schedule, **store_jobs_beat_schedule()}
    for entry in schedule.values():
        assert entry["task"] in app.tasks
    scheduled_jobs = {entry["args"][0] for entry in store_jobs_beat_schedule().values()}
    assert scheduled_jobs == {job.name for job in store_jobs()}
    assert {
        "core.sessions_purge",
        "core.event_log_purge",
        "core.events_redispatch_pending",
        "catalog.import_runs_fail_interrupted",
        "inventory.reservations_release_expired",
        "sourcing.suppliers_sync",
    } <= scheduled_jobs
