from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.catalog.models import ImportRun
from apps.core.models import EventRecord
from apps.tenants.tasks import stores_housekeeping

pytestmark = pytest.mark.django_db


def test_housekeeping_visits_every_store_and_only_removes_what_expired(alpha, beta, settings):
    settings.EVENT_LOG_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            stale = SessionStore()
            stale.create()
            Session.objects.filter(session_key=stale.session_key).update(expire_date=old)
            fresh = SessionStore()
            fresh.create()
            EventRecord.objects.create(name="old.event")
            EventRecord.objects.update(created_at=old)
            EventRecord.objects.create(name="new.event")
            ImportRun.objects.create(kind="product_csv", status="running", started_at=old)
            ImportRun.objects.create(kind="product_csv", status="running", started_at=timezone.now())

    totals = stores_housekeeping.delay().get()

    assert totals["stores"] >= 2
    for world in (alpha, beta):
        with schema_context(world.tenant.schema_name):
            assert list(EventRecord.objects.values_list("name", flat=True)) == ["new.event"]
            assert Session.objects.filter(expire_date__lt=timezone.now()).count() == 0
            assert Session.objects.count() >= 1
            assert sorted(ImportRun.objects.values_list("status", flat=True)) == ["failed", "running"]


def test_the_beat_schedule_names_real_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
