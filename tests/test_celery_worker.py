"""A real Celery worker process: tasks run in the schema of the store that sent them.

The worker talks to the same test database, so this module works on committed rows (created
with unique names and removed afterwards) instead of the usual rolled-back transaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.events import event_emit
from apps.core.models import EventDelivery, EventRecord
from apps.core.tenancy import tenant_connection
from apps.tenants.models import Tenant
from config.celery import app as celery_app
from tests.fixtures import committed_orders_remove, store_counters, store_counters_restore

pytestmark = [pytest.mark.worker, pytest.mark.slow]

# Loaded by the worker only (`--include`), so the test process never runs it inline.
ORDER_PAID_SUBSCRIBER = "tests.worker_subscribers.order_paid_seen"

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or ""
    host = f"/{host}" if host.startswith("/") else quote(host, safe="")  # a socket directory
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def _wait_for(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _store_quiet(schema_name: str) -> bool:
    """No event of the store is waiting to be dispatched or delivered."""
    with schema_context(schema_name):
        return (
            not EventRecord.objects.filter(status=EventRecord.Status.PENDING).exists()
            and not EventDelivery.objects.filter(status=EventDelivery.Status.PENDING).exists()
        )


def _schema_drop(schema_name: str, attempts: int = 3) -> None:
    """DROP SCHEMA ... CASCADE, tried again if it deadlocks with a task still reading there."""
    for attempt in range(attempts):
        try:
            with connection.cursor() as cursor:
                # Rows written in this transaction (deferred FK checks) must not block the DROP.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    celery_app.control.purge()
    (ROOT / ".local").mkdir(exist_ok=True)
    log = open(ROOT / ".local" / "test-worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"), "-A", "config", "worker",
            "-Q", "default,events,provisioning", "-P", "solo", "-c", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "INFO",
            # subscribers that only this worker runs (they check where an event is handled)
            "--include", "tests.worker_subscribers",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert _wait_for(lambda: bool(celery_app.control.ping(timeout=0.5)), 90), "the worker did not start"
        celery_app.conf.task_always_eager = False
        with django_db_blocker.unblock():
            yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        tenant_connection().set_schema_to_public()


def test_an_event_sent_from_store_a_is_handled_in_store_as_schema(worker):
    alpha = Tenant.objects.get(slug="alpha")
    beta = Tenant.objects.get(slug="beta")
    email = f"worker-{uuid.uuid4().hex[:8]}@example.com"
    # when store A emits an event and commits (the task is queued on commit, with A's schema)
    with schema_context(alpha.schema_name), transaction.atomic():
        event_id = event_emit(name="customer.created", payload={"email": email, "user_uuid": ""})

    def delivered() -> bool:
        with schema_context(alpha.schema_name):
            return EventDelivery.objects.filter(
                event_id=event_id, status=EventDelivery.Status.SUCCEEDED
            ).exists()

    try:
        # then the worker dispatched it and ran the subscriber inside A's schema
        assert _wait_for(delivered), (ROOT / ".local" / "test-worker.log").read_text()[-3000:]
        with schema_context(alpha.schema_name):
            assert EventRecord.objects.get(id=event_id).status == EventRecord.Status.DISPATCHED
        # and store B's log never saw it
        with schema_context(beta.schema_name):
            assert not EventRecord.objects.filter(id=event_id).exists()
            assert not EventRecord.objects.filter(payload__email=email).exists()
    finally:
        with schema_context(alpha.schema_name):
            EventRecord.objects.filter(id=event_id).delete()


def test_provisioning_runs_on_the_worker(worker):
    from apps.accounts.models import User
    from apps.platform.models import Membership, Merchant
    from apps.platform.services import store_create

    suffix = uuid.uuid4().hex[:6]
    owner = User.objects.create_user(f"wk-{suffix}@example.com", "x-pass-12345")
    merchant = Merchant.objects.create(name=f"Worker {suffix}")
    Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
    store = store_create(merchant=merchant, name="Worker Store", subdomain=f"wk-{suffix}", created_by=owner)
    try:
        assert _wait_for(lambda: Tenant.objects.get(pk=store.pk).status == Tenant.Status.ACTIVE), (
            ROOT / ".local" / "test-worker.log"
        ).read_text()[-3000:]
        with schema_context(store.schema_name):
            assert User.objects.get(platform_user_uuid=owner.uuid).is_staff
    finally:
        # The worker goes on after the store is active (the events provisioning emitted are
        # dispatched and delivered in the new schema): let it finish before the schema goes,
        # or the DROP and the worker's reads can deadlock.
        _wait_for(lambda: _store_quiet(store.schema_name))
        _schema_drop(store.schema_name)
        Tenant.objects.filter(pk=store.pk).delete()
        merchant.delete()
        owner.delete()


def test_a_product_csv_import_runs_on_the_worker_in_its_store(worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.catalog.bulk import product_import_start
    from apps.catalog.models import ImportRun, Product

    alpha = Tenant.objects.get(slug="alpha")
    beta = Tenant.objects.get(slug="beta")
    handle = f"worker-csv-{uuid.uuid4().hex[:6]}"
    csv = (
        "handle,title,status,option1_name,option1_value,sku,price\n"
        f"{handle},Worker Tee,active,Size,S,{handle}-S,19.90\n"
        f"{handle},Worker Tee,active,Size,M,{handle}-M,19.90\n"
    ).encode()
    with schema_context(alpha.schema_name), transaction.atomic():
        run = product_import_start(
            upload=SimpleUploadedFile("tees.csv", csv, content_type="text/csv"),
            policy="all_or_nothing",
            actor=None,
        )

    def finished() -> bool:
        with schema_context(alpha.schema_name):
            return ImportRun.objects.get(pk=run.pk).status not in ("pending", "running")

    try:
        assert _wait_for(finished), (ROOT / ".local" / "test-worker.log").read_text()[-3000:]
        with schema_context(alpha.schema_name):
            done = ImportRun.objects.get(pk=run.pk)
            assert done.status == ImportRun.Status.SUCCEEDED, done.failure_reason
            assert (done.processed_rows, done.created_count) == (2, 1)
            assert Product.objects.get(handle=handle).variants.count() == 2
        with schema_context(beta.schema_name):
            assert not Product.objects.filter(handle=handle).exists()
            assert not ImportRun.objects.filter(uuid=run.uuid).exists()
    finally:
        from apps.inbox.models import Notification

        def announced() -> bool:
            # The finished run's event reaches the notification centre on the worker too: let
            # it land before removing what it wrote.
            with schema_context(alpha.schema_name):
                finished = EventRecord.objects.filter(name="import_run.finished", payload__run=str(run.uuid))
                return (
                    finished.filter(status=EventRecord.Status.DISPATCHED).exists()
                    and not EventDelivery.objects.filter(
                        event__in=finished, status=EventDelivery.Status.PENDING
                    ).exists()
                )

        _wait_for(announced, timeout=30.0)
        with schema_context(alpha.schema_name):
            Product.objects.filter(handle=handle).delete()
            stored = ImportRun.objects.filter(pk=run.pk).first()
            if stored is not None:
                if stored.file:
                    stored.file.delete(save=False)
                stored.delete()
            EventRecord.objects.filter(payload__handle=handle).delete()
            EventRecord.objects.filter(name="import_run.finished", payload__run=str(run.uuid)).delete()
            Notification.objects.filter(dedup_key=f"import_finished:{run.uuid}").delete()


def test_an_order_paid_in_store_a_delivers_order_paid_on_the_worker_in_store_a_only(worker):
    from apps.catalog.models import Product
    from apps.checkout.models import Cart, ShippingZone
    from apps.customers.models import Customer
    from apps.inventory.models import Location
    from apps.orders.models import Order
    from apps.orders.tests.factories import (
        checkout_ready,
        location_make,
        place,
        shipping_rate_make,
        variant_make,
    )
    from apps.payments.models import DummyPayment, PaymentSettings

    alpha = Tenant.objects.get(slug="alpha")
    beta = Tenant.objects.get(slug="beta")
    suffix = uuid.uuid4().hex[:8]
    email = f"worker-order-{suffix}@example.com"
    since = timezone.now()
    with schema_context(alpha.schema_name):
        # committed rows, so the counter and the payment settings are put back as they were
        counters = store_counters()
        had_payment_settings = PaymentSettings.objects.exists()
        location = location_make()
        variant = variant_make(price="25.00", stock=3, location=location, title=f"Worker tee {suffix}")
        rate = shipping_rate_make()
        checkout = checkout_ready(items=[(variant, 2)], email=email, rate=rate)
        # when the shopper pays with the dummy gateway's test card (the order commits paid)
        placement = place(checkout)
        order = placement.order
        assert placement.paid and order.status == "paid"
        order_uuid = str(order.uuid)

    def delivered() -> bool:
        with schema_context(alpha.schema_name):
            return EventDelivery.objects.filter(
                event__name="order.paid",
                event__payload__order=order_uuid,
                subscriber=ORDER_PAID_SUBSCRIBER,
                status__in=[EventDelivery.Status.SUCCEEDED, EventDelivery.Status.FAILED],
            ).exists()

    try:
        # then the worker ran the order.paid subscriber, in store A's schema, and it succeeded
        # (it fails when the order it names is not paid in the schema it runs in)
        assert _wait_for(delivered), (ROOT / ".local" / "test-worker.log").read_text()[-3000:]
        with schema_context(alpha.schema_name):
            delivery = EventDelivery.objects.select_related("event").get(
                event__name="order.paid", event__payload__order=order_uuid, subscriber=ORDER_PAID_SUBSCRIBER
            )
            assert delivery.status == EventDelivery.Status.SUCCEEDED, delivery.last_error
            assert delivery.event.status == EventRecord.Status.DISPATCHED
            assert delivery.event.payload["number"] == order.number
            assert EventRecord.objects.filter(name="order.paid", payload__order=order_uuid).count() == 1
        # and store B neither logged nor handled it
        with schema_context(beta.schema_name):
            assert not EventRecord.objects.filter(payload__order=order_uuid).exists()
            assert not EventDelivery.objects.filter(event__payload__order=order_uuid).exists()
            assert not Order.objects.filter(uuid=order_uuid).exists()
    finally:

        def settled() -> bool:
            # The order's other subscribers (invoice, fraud, emails, supplier orders) run on the
            # worker too: the rows they write go with the order, so let them finish first.
            with schema_context(alpha.schema_name):
                return not EventDelivery.objects.filter(
                    event__payload__order=order_uuid, status=EventDelivery.Status.PENDING
                ).exists()

        _wait_for(settled)
        with schema_context(alpha.schema_name):
            DummyPayment.objects.filter(reference=order_uuid).delete()
            committed_orders_remove(
                list(Order.objects.filter(checkout_token=checkout.token).values_list("pk", flat=True))
            )
            Cart.objects.filter(pk=checkout.cart_id).delete()
            Customer.objects.filter(email=email).delete()
            Product.objects.filter(title=f"Worker tee {suffix}").delete()
            Location.objects.filter(pk=location.pk).delete()
            ShippingZone.objects.filter(pk=rate.zone_id).delete()
            EventRecord.objects.filter(created_at__gte=since).delete()
            store_counters_restore(counters)
            if not had_payment_settings:
                PaymentSettings.objects.all().delete()


def test_the_workers_task_outcomes_reach_the_web_tiers_metrics(worker):
    """The worker counts its task outcomes into the broker's Redis (apps.core.metrics), where
    /metrics on a web pod reads them: no task runs in this process, only in the worker."""
    from django.test import Client
    from prometheus_client.parser import text_string_to_metric_families

    from apps.core.metrics import CELERY_TASKS_KEY, broker_redis

    client = broker_redis()
    assert client is not None
    field = "apps.core.tasks.event_dispatch|success"
    before = int(client.hget(CELERY_TASKS_KEY, field) or 0)
    alpha = Tenant.objects.get(slug="alpha")
    with schema_context(alpha.schema_name), transaction.atomic():
        event_id = event_emit(name="test.metrics", payload={})
    try:
        assert _wait_for(lambda: int(client.hget(CELERY_TASKS_KEY, field) or 0) > before), (
            ROOT / ".local" / "test-worker.log"
        ).read_text()[-3000:]
        assert _wait_for(lambda: _store_quiet(alpha.schema_name))
        body = Client().get("/metrics", HTTP_HOST="10.1.2.3:8000").content.decode()
        exported = {
            (sample.labels["task"], sample.labels["outcome"]): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name == "celery_tasks_total"
        }
        # (at least: another test's event may still have been dispatched meanwhile)
        assert exported[("apps.core.tasks.event_dispatch", "success")] >= before + 1
    finally:
        with schema_context(alpha.schema_name):
            EventRecord.objects.filter(id=event_id).delete()
