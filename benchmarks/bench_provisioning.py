"""How long `store_provision` takes (clone the template schema), and how that compares with
migrating a fresh schema from scratch.

Provisions N stores (subdomains ``bench-prov-<random>``, created with `store_create`) and
reports the median and p90 seconds of `store_provision`, split into its parts (installing
django-tenants' clone function, the clone itself, the migrate that follows it). Then migrates ONE empty
schema from scratch (CREATE SCHEMA + ``migrate_schemas --tenant --schema=...``), median of 3,
and prints migrate/provision. Target: median provision <= 3 s. Everything it creates is
dropped at the end (and any ``bench-prov-`` leftovers of an interrupted run at the start).

    .venv/bin/python benchmarks/bench_provisioning.py [--stores 7] [--migrations 3]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_merchant,
    bench_stores_drop,
    bootstrap,
    catalog_analyze,
    median,
    percentile,
    report,
    say,
    verdict,
)

TARGET_MEDIAN_SECONDS = 3.0
SLUG_PREFIX = "bench-prov-"


@contextmanager
def _timed_parts(parts: dict[str, list[float]]) -> Iterator[None]:
    """Record how long the pieces of `tenant.create_schema` take, per call."""
    import apps.content.services as content_services
    import apps.tenants.clone as tenant_clone
    from apps.tenants.clone import StoreSchemaCloner

    def timing(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                parts[label].append(time.perf_counter() - started)

        return wrapper

    with (
        mock.patch.object(
            StoreSchemaCloner,
            "_create_clone_schema_function",
            timing("clone function install", StoreSchemaCloner._create_clone_schema_function),
        ),
        mock.patch.object(
            StoreSchemaCloner,
            "clone_store_schema",
            timing("clone (incl. install)", StoreSchemaCloner.clone_store_schema),
        ),
        mock.patch.object(
            tenant_clone, "call_command", timing("migrate after clone", tenant_clone.call_command)
        ),
        # The store's starter content (Wagtail pages, Site, menus, groups), on store_schema_ready.
        mock.patch.object(
            content_services,
            "content_provision",
            timing("store content (Wagtail)", content_services.content_provision),
        ),
    ):
        yield


@contextmanager
def _stores_unlimited(merchant: Any) -> Iterator[None]:
    """Lift the merchant's plan limit on stores for the run (a staff override), then restore it."""
    from apps.billing.limits import merchant_plan_for

    merchant_plan = merchant_plan_for(merchant=merchant)
    before = dict(merchant_plan.limit_overrides)
    merchant_plan.limit_overrides = {**before, "max_stores": None}
    merchant_plan.save(update_fields=["limit_overrides"])
    try:
        yield
    finally:
        merchant_plan.limit_overrides = before
        merchant_plan.save(update_fields=["limit_overrides"])


def provision_one(merchant: Any, user: Any, parts: dict[str, list[float]]) -> tuple[Any, float]:
    from apps.platform.services import store_create
    from apps.tenants.models import Tenant
    from apps.tenants.services import store_provision
    from apps.tenants.tasks import store_provision_task

    slug = SLUG_PREFIX + secrets.token_hex(4)
    # store_create queues the provisioning task on commit; with eager Celery it would run right
    # there. Keep it from being sent so that store_provision is timed on its own.
    with mock.patch.object(store_provision_task, "delay"):
        tenant = store_create(merchant=merchant, name=f"Bench {slug}", subdomain=slug, created_by=user)
    with _timed_parts(parts):
        started = time.perf_counter()
        tenant = store_provision(tenant_id=tenant.pk)
        seconds = time.perf_counter() - started
    if tenant.status != Tenant.Status.ACTIVE:
        raise SystemExit(f"provisioning {slug} failed: {tenant.status} {tenant.provisioning_error}")
    return tenant, seconds


def migrate_fresh_schema() -> float:
    """CREATE SCHEMA + migrate_schemas --tenant on it (no tenant row needed); dropped after."""
    from django.core.management import call_command
    from django.db import connection

    from apps.core.tenancy import tenant_connection

    schema = "store_bench_mig_" + secrets.token_hex(4)
    tenant_connection().set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    try:
        started = time.perf_counter()
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        return time.perf_counter() - started
    finally:
        tenant_connection().set_schema_to_public()
        with connection.cursor() as cursor:
            # Rows written in this transaction (deferred FK checks) must not block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def leftovers_drop() -> None:
    from django.db import connection

    from apps.tenants.models import Tenant

    stale = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX))
    if stale:
        say(f"dropping {bench_stores_drop(stale)} leftover {SLUG_PREFIX}* stores")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'store\\_bench\\_mig\\_%'")
        for (schema,) in cursor.fetchall():
            # Rows written in this transaction (deferred FK checks) must not block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=7, help="stores to provision (timed)")
    parser.add_argument("--migrations", type=int, default=3, help="fresh schemas to migrate")
    args = parser.parse_args()

    bootstrap()
    from apps.tenants.migrations_state import store_schema_names

    leftovers_drop()
    catalog_analyze()  # the planner's view of the catalog as autovacuum keeps it in production
    # Cloning reads catalogs that grow with every schema in the database: say how many there are.
    existing = len(store_schema_names())
    say(f"store schemas already in the database: {existing}")
    merchant, user = bench_merchant()
    created: list[Any] = []
    parts: dict[str, list[float]] = defaultdict(list)
    try:
        with _stores_unlimited(merchant):
            # The first provisioning in a process also pays for imports and loading the
            # migration graph: reported, not counted.
            tenant, cold = provision_one(merchant, user, defaultdict(list))
            created.append(tenant)
            say(f"warm-up provision (not counted): {cold:.3f}s")
            times = []
            for index in range(args.stores):
                tenant, seconds = provision_one(merchant, user, parts)
                created.append(tenant)
                times.append(seconds)
                say(f"provision {index + 1}/{args.stores} {tenant.slug}: {seconds:.3f}s")
        migrate_times = []
        for index in range(args.migrations):
            seconds = migrate_fresh_schema()
            migrate_times.append(seconds)
            say(f"migrate fresh schema {index + 1}/{args.migrations}: {seconds:.3f}s")
    finally:
        if created:
            say(f"dropped {bench_stores_drop(created)} bench stores")

    prov_median = median(times)
    prov_p90 = percentile(times, 90)
    mig_median = median(migrate_times) if migrate_times else 0.0
    ratio = mig_median / prov_median
    part_medians = {label: median(values) for label, values in parts.items()}
    rows = [
        ("store schemas already in the db", str(existing)),
        ("stores provisioned (timed)", f"{len(times)} (+1 warm-up: {cold:.3f}s)"),
        ("store_provision median", f"{prov_median:.3f} s"),
        ("store_provision p90", f"{prov_p90:.3f} s"),
        ("store_provision min / max", f"{min(times):.3f} / {max(times):.3f} s"),
    ]
    rows += [(f"  part: {label} (median)", f"{value:.3f} s") for label, value in part_medians.items()]
    if migrate_times:
        rows += [
            (f"fresh-schema migrate median of {len(migrate_times)}", f"{mig_median:.3f} s"),
            ("ratio migrate / provision", f"{ratio:.1f}x"),
        ]
    rows += [
        (
            f"target median <= {TARGET_MEDIAN_SECONDS:g} s",
            verdict(prov_median <= TARGET_MEDIAN_SECONDS),
        ),
    ]
    report(
        "provisioning",
        rows,
        {
            "stores": len(times),
            "existing_stores": existing,
            "provision_median_s": prov_median,
            "provision_p90_s": prov_p90,
            "provision_cold_s": cold,
            "clone_function_install_median_s": part_medians.get("clone function install", 0.0),
            "clone_median_s": part_medians.get("clone (incl. install)", 0.0),
            "migrate_after_clone_median_s": part_medians.get("migrate after clone", 0.0),
            "content_median_s": part_medians.get("store content (Wagtail)", 0.0),
            "migrate_fresh_median_s": mig_median,
            "ratio_migrate_over_provision": ratio,
            "target_median_s": TARGET_MEDIAN_SECONDS,
            "target_met": prov_median <= TARGET_MEDIAN_SECONDS,
        },
    )


if __name__ == "__main__":
    main()
