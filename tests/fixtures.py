"""Shared fixtures: two stores cloned once per test database, host-bound clients, helpers.

The stores ("alpha" and "beta") are created on the first run and kept in the reused test
database; every test runs in a transaction that is rolled back, so tests add users, events
and domains freely without slowing each other down. Tests that need committed data (a real
worker, a browser) create uniquely named rows and remove them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import setup_databases
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.tenancy import tenant_connection
from apps.platform.models import Membership, Merchant
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear

PASSWORD = "correct-horse-battery-1"


@dataclass(frozen=True)
class StoreWorld:
    tenant: Tenant
    merchant: Merchant
    owner: User  # platform user (public schema)

    @property
    def host(self) -> str:
        return f"{self.tenant.slug}.{settings.PLATFORM_DOMAIN}"


def _platform_user(email: str) -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _ensure_store(slug: str) -> None:
    from apps.platform.services import store_create
    from apps.tenants.services import store_provision

    owner = _platform_user(f"owner-{slug}@example.com")
    merchant = Merchant.objects.filter(name=f"Merchant {slug}").first()
    if merchant is None:
        merchant = Merchant.objects.create(name=f"Merchant {slug}")
        Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = store_create(
            merchant=merchant, name=f"Store {slug.title()}", subdomain=slug, created_by=owner
        )
    if tenant.status != Tenant.Status.ACTIVE:
        tenant.refresh_from_db()
    if tenant.status == Tenant.Status.PROVISIONING:
        store_provision(tenant_id=tenant.pk)


def _singletons_create() -> None:
    """The settings rows apps create on first read exist before any test, so that no test that
    commits rows (browser, worker) is the one that made them."""
    from apps.fraud.selectors import fraud_settings_get
    from apps.invoices.selectors import invoice_settings_get
    from apps.notifications.sms import sms_settings_get
    from apps.payments.selectors import payment_settings_get
    from apps.purchasing.selectors import purchasing_settings_get
    from apps.returns.selectors import return_settings_get
    from apps.reviews.selectors import review_settings_get
    from apps.stores.selectors import store_settings_get
    from apps.stores.theme_selectors import store_theme_get

    cache.clear()  # a cached copy from an earlier run must not stand in for the row
    for read in (
        store_settings_get,
        payment_settings_get,
        invoice_settings_get,
        fraud_settings_get,
        purchasing_settings_get,
        return_settings_get,
        review_settings_get,
        sms_settings_get,
        store_theme_get,
    ):
        read()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_createdb):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        if not connections["default"].settings_dict["NAME"].startswith("test_"):
            # pytest-django only sets up the databases that `django_db` tests ask for; the
            # worker and browser tests work on committed rows without that marker.
            setup_databases(
                verbosity=0,
                interactive=False,
                keepdb=not django_db_createdb,
                aliases={"default"},  # type: ignore[arg-type]
            )
        call_command("migrate_all", verbosity=0)
        for slug in ("alpha", "beta"):
            _ensure_store(slug)
        for tenant in Tenant.objects.filter(slug__in=("alpha", "beta")):
            with schema_context(tenant.schema_name):
                _singletons_create()
        cache.clear()


def _world(slug: str) -> StoreWorld:
    tenant = Tenant.objects.get(slug=slug)
    merchant = tenant.merchant
    assert merchant is not None
    owner = User.objects.get(email=f"owner-{slug}@example.com")
    return StoreWorld(tenant=tenant, merchant=merchant, owner=owner)


@pytest.fixture
def alpha(db) -> StoreWorld:  # type: ignore[no-untyped-def]
    return _world("alpha")


@pytest.fixture
def beta(db) -> StoreWorld:  # type: ignore[no-untyped-def]
    return _world("beta")


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    tenant_connection().set_schema_to_public()
    routing_cache_clear()
    cache.clear()  # rate-limit counters and cached pages never leak from one test to the next
    # A request's middleware activates its language and the store's time zone for the thread and
    # nothing puts them back: a test calling a service after another test's Spanish request
    # would read Spanish messages (seen once in the inventory tests, in one ordering).
    translation.deactivate()
    timezone.deactivate()
    yield
    tenant_connection().set_schema_to_public()
    routing_cache_clear()
    translation.deactivate()
    timezone.deactivate()


# Tests that commit rows (browser, worker, races) must leave the shared stores as they found
# them: a row left behind in alpha breaks some later test that counts rows, far from its cause.
# Each module holding such tests is bracketed by a count of every table of both stores, and a
# module that changes a count fails here, naming the tables.
# Sessions are swept by expiry; the search vocabulary is derived from product titles and rebuilt
# by a periodic job (words of a removed test product are harmless). Neither is counted by a test.
# The audit log records what browser tests do through the dashboard; it is only ever appended to.
_LEAK_EXEMPT = {"django_session", "catalog_searchterm", "audit_auditentry"}
# Public tables that store rows per store's order or use (billing's metering).
_PUBLIC_COUNTED = ("billing_meteredorder", "billing_storeorderday", "billing_usagerecord")


def _commits_rows(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return not names & {"db", "transactional_db"} and (
        "django_db_blocker" in names
        or any(item.iter_markers(name="browser"))
        or any(item.iter_markers(name="worker"))
    )


def _store_row_counts() -> dict[str, int]:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (SELECT schema_name FROM public.tenants_tenant WHERE slug IN ('alpha', 'beta')) "
            "AND table_type = 'BASE TABLE' ORDER BY 1, 2"
        )
        tables = [(schema, name) for schema, name in cursor.fetchall() if name not in _LEAK_EXEMPT]
        tables += [("public", name) for name in _PUBLIC_COUNTED]
        if not tables:
            return {}
        cursor.execute(
            " UNION ALL ".join(
                f'SELECT \'{schema}.{name}\', count(*) FROM "{schema}"."{name}"' for schema, name in tables
            )
        )
        return dict(cursor.fetchall())


@pytest.fixture(scope="module", autouse=True)
def _committed_rows_are_removed(request: pytest.FixtureRequest) -> Iterator[None]:
    module = request.module
    if not any(
        _commits_rows(item) for item in request.session.items if getattr(item, "module", None) is module
    ):
        yield
        return
    request.getfixturevalue("django_db_setup")
    django_db_blocker = request.getfixturevalue("django_db_blocker")
    with django_db_blocker.unblock():
        before = _store_row_counts()
    yield
    with django_db_blocker.unblock():
        after = _store_row_counts()
    left = {
        table: after.get(table, 0) - count for table, count in before.items() if after.get(table, 0) != count
    }
    if left:
        pytest.fail(f"{module.__name__} left committed rows behind (table: rows added): {left}")


def store_client(world: StoreWorld) -> Client:
    return Client(HTTP_HOST=world.host)


@pytest.fixture
def platform_client() -> Client:
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


def make_store_user(
    world: StoreWorld, email: str, *, staff: bool = False, role: str = "", verified: bool = True
) -> User:
    """A user in the store's own schema: a shopper, or a staff member with `role` (default
    "staff") when `staff` or `role` is given."""
    staff = staff or bool(role)
    with schema_context(world.tenant.schema_name):
        user = User.objects.create_user(
            email, PASSWORD, is_staff=staff, store_role=(role or "staff") if staff else ""
        )
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user


# ------------------------------------------------------------------------------
# tests that commit orders (browser and worker tests) and must leave no trace
# ------------------------------------------------------------------------------
def store_counters() -> dict[str, int | None]:
    """The current store's order and invoice counters, to put back after a test that commits
    orders, so later tests still see order #1001 and the first invoice numbers."""
    from apps.invoices.models import InvoiceCounter
    from apps.orders.models import OrderNumberCounter

    counters: dict[str, int | None] = {
        "order": OrderNumberCounter.objects.values_list("last_number", flat=True).first()
    }
    counters.update(
        {f"invoice:{kind}": last for kind, last in InvoiceCounter.objects.values_list("kind", "last_number")}
    )
    return counters


def store_counters_restore(counters: dict[str, int | None]) -> None:
    from apps.invoices.models import InvoiceCounter
    from apps.orders.models import OrderNumberCounter

    if counters.get("order") is None:
        OrderNumberCounter.objects.all().delete()
    else:
        OrderNumberCounter.objects.update(last_number=counters["order"])
    kept = {key.split(":", 1)[1]: value for key, value in counters.items() if key.startswith("invoice:")}
    InvoiceCounter.objects.exclude(kind__in=list(kept)).delete()
    for kind, last_number in kept.items():
        InvoiceCounter.objects.filter(kind=kind).update(last_number=last_number)


def committed_orders_remove(order_ids: list[int]) -> None:
    """Delete orders a test committed in the current store, with the rows the after-the-sale
    apps keep for them on purpose (invoices and credit notes are protected, and so are supplier
    orders and refunds' payments) and the files of their invoices."""
    from apps.fraud.models import OrderRiskContext
    from apps.inbox.models import Notification
    from apps.invoices.models import Invoice
    from apps.notifications.models import Delivery
    from apps.orders.models import Order, Refund
    from apps.purchasing.models import PurchaseOrder

    orders = Order.objects.filter(pk__in=order_ids)
    invoices = Invoice.objects.filter(order_id__in=order_ids)
    for invoice in invoices:
        if invoice.file:
            invoice.file.delete(save=False)
    invoices.filter(credited__isnull=False).delete()
    invoices.delete()
    PurchaseOrder.objects.filter(order_id__in=order_ids).delete()
    Refund.objects.filter(order_id__in=order_ids).delete()
    Delivery.objects.filter(order_uuid__in=list(orders.values_list("uuid", flat=True))).delete()
    OrderRiskContext.objects.filter(
        checkout_token__in=list(orders.values_list("checkout_token", flat=True))
    ).delete()
    uuids = [str(uuid) for uuid in orders.values_list("uuid", flat=True)]
    _order_metering_remove(uuids)
    # The notification centre's "new order" and "fraud review" entries name the order.
    Notification.objects.filter(
        dedup_key__in=[f"{kind}:{uuid}" for uuid in uuids for kind in ("order_paid", "fraud_review")]
    ).delete()
    orders.delete()


def _order_metering_remove(order_uuids: list[str]) -> None:
    """Billing counts every order of a store per day in the public schema (orders-per-day
    overage): take the removed orders out of those counts."""
    from apps.billing.models import MeteredOrder, StoreOrderDay
    from apps.core.tenancy import current_schema

    tenant = Tenant.objects.get(schema_name=current_schema())
    metered = MeteredOrder.objects.filter(tenant=tenant, order_uuid__in=order_uuids)
    days = set(metered.values_list("day", flat=True))
    metered.delete()
    for day in days:
        left = MeteredOrder.objects.filter(tenant=tenant, day=day)
        if not left.exists():
            StoreOrderDay.objects.filter(tenant=tenant, day=day).delete()
        else:
            StoreOrderDay.objects.filter(tenant=tenant, day=day).update(
                orders=left.count(), overage_orders=left.filter(overage=True).count()
            )


@contextmanager
def throwaway_store(name: str) -> Iterator[str]:
    """A store of its own for tests whose threads need committed rows (each thread has its own
    connection): provisioned as in production (cloned from the template), yielded by schema
    name, and its schema and row dropped at the end. Wrap it in a module-scoped fixture that
    holds `django_db_blocker.unblock()`."""
    from django.db import connection

    from apps.tenants.services import store_provision, store_register

    merchant = Merchant.objects.get(name="Merchant alpha")
    tenant = store_register(
        name=name, subdomain=f"race{uuid.uuid4().hex[:8]}", merchant_id=merchant.pk, created_by=None
    )
    store_provision(tenant_id=tenant.pk)
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    try:
        yield tenant.schema_name
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            # Rows written in this transaction (deferred FK checks) must not block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
        Tenant.objects.filter(pk=tenant.pk).delete()


def sessions_waiting_on_a_lock() -> int:
    """How many sessions of this database are blocked on a lock right now.

    PostgreSQL keeps the first read of the statistics views for the rest of a transaction
    (`stats_fetch_consistency = cache`), so the snapshot is dropped before each read: without
    that, a thread that polls inside its transaction saw 0 forever and waited out its timeout.
    """
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_s3(*buckets: str) -> Iterator[tuple[str, Any]]:
    """A local moto S3 server with `buckets` made: (its endpoint URL, a boto3 client of it)."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    for bucket in buckets:
        client.create_bucket(Bucket=bucket)
    try:
        yield endpoint, client
    finally:
        server.stop()


def migration_step(schema: str, key: tuple[str, str], *, undo: bool) -> None:
    """Unapply (`undo`) or apply the one migration `key` in `schema`, inside the test's
    transaction (PostgreSQL's DDL is transactional: it is rolled back with the test). The
    migration must be one that nothing applied depends on, or the schema is left inconsistent."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    with schema_context(schema):
        with connection.cursor() as cursor:  # rows the test wrote must not hold back ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        executor = MigrationExecutor(connection)
        executor.migrate([], plan=[(executor.loader.graph.nodes[key], undo)])
