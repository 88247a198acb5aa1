"""The hourly sync: beat (public schema) fans the store job "sourcing.suppliers_sync" out to every
store, so each message carries its store's schema and the work happens there, and nowhere else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from celery import Celery
from celery.signals import task_prerun
from django_tenants.utils import tenant_context
from tenant_schemas_celery.app import get_schema_name_from_task

from apps.catalog.models import ImportRun, Product
from apps.core.tenancy import NotInStoreError, current_schema
from apps.sourcing.models import Supplier, SupplierOffer
from apps.sourcing.services import supplier_import_start
from apps.sourcing.tasks import supplier_import_task, supplier_sync_task
from apps.sourcing.tests.factories import make_feed_supplier, make_supplier
from apps.tenants.tasks import store_job_fan_out
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

HEADER = "product_id,title,sku,cost,stock"


def _store_with_feed(world, fake, capture, *, path: str, cost: str) -> None:
    with tenant_context(world.tenant):
        supplier = make_feed_supplier(fake.feed(path, f"{HEADER}\nP1,Thing,T-1,{cost},5\n"))
        with capture(execute=True):
            run = supplier_import_start(supplier=supplier)
        run.refresh_from_db()
        assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
        make_supplier(name="Manual only", code="manual")  # never synced automatically


def test_the_beat_task_syncs_each_store_in_its_own_schema(
    alpha, beta, fake, django_capture_on_commit_callbacks
):
    # given one feed supplier in each store, each with its own feed
    _store_with_feed(alpha, fake, django_capture_on_commit_callbacks, path="/alpha.csv", cost="3.00")
    _store_with_feed(beta, fake, django_capture_on_commit_callbacks, path="/beta.csv", cost="5.00")
    fake.feed("/alpha.csv", f"{HEADER}\nP1,Thing,T-1,3.30,7\n")
    fake.feed("/beta.csv", f"{HEADER}\nP1,Thing,T-1,5.50,9\n")
    ran: list[tuple[str, str | None, str]] = []

    def record(sender=None, task=None, **kwargs):
        if task.name in ("apps.tenants.tasks.store_job_run", "apps.sourcing.tasks.supplier_sync_task"):
            ran.append((task.name, get_schema_name_from_task(task, kwargs), current_schema()))

    task_prerun.connect(record, weak=False)
    try:
        # when beat's task runs (in the public schema)
        assert current_schema() == "public"
        with django_capture_on_commit_callbacks(execute=True):
            totals = store_job_fan_out.delay("sourcing.suppliers_sync").get()
    finally:
        task_prerun.disconnect(record)
    assert totals["queued"] >= 2 and totals["failed"] == 0
    # then each store's task and each supplier's sync ran stamped with, and inside, that store
    for world in (alpha, beta):
        schema = world.tenant.schema_name
        assert ("apps.tenants.tasks.store_job_run", schema, schema) in ran
        assert ("apps.sourcing.tasks.supplier_sync_task", schema, schema) in ran
    assert all(stamped == running and running != "public" for _name, stamped, running in ran)
    # and each store got its own supplier's numbers, nothing of the other's
    for world, cost, stock in ((alpha, "3.30", 7), (beta, "5.50", 9)):
        with tenant_context(world.tenant):
            offer = SupplierOffer.objects.select_related("variant").get(supplier_sku="T-1")
            assert offer.variant is not None
            assert (offer.cost, offer.stock, offer.variant.cost) == (Decimal(cost), stock, Decimal(cost))
            assert Product.objects.get().sync_status == Product.SyncStatus.SYNCED
            assert Supplier.objects.get(code="manual").last_synced_at is None


def test_a_published_store_task_carries_the_store_schema(alpha, beta, monkeypatch):
    # given a real (non-eager) send, captured at the broker boundary
    sent: list[tuple[str, dict]] = []

    def capture(self, name, args=None, kwargs=None, **options):
        sent.append((name, options.get("headers") or {}))

    monkeypatch.setattr(Celery, "send_task", capture)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        # when beat's task runs in the public schema
        store_job_fan_out("sourcing.suppliers_sync")
    finally:
        celery_app.conf.task_always_eager = eager
    # then one store task per store was published, each stamped with its store's schema
    stamped = {headers.get("_schema_name") for name, headers in sent if name.endswith("store_job_run")}
    assert {alpha.tenant.schema_name, beta.tenant.schema_name} <= stamped
    assert "public" not in stamped


def test_store_tasks_refuse_to_run_in_the_public_schema(db):
    with pytest.raises(NotInStoreError):
        supplier_sync_task(1)
    with pytest.raises(NotInStoreError):
        supplier_import_task(1)
