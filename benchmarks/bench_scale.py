"""How the platform behaves as stores multiply: N = 1, 100, 1,000 and 2,000 stores in one database.

For each level N, in ascending order (stores are kept, in a database of their own,
``commerce_bench_scale``, so a later run resumes where an earlier one stopped):

- **stores**: makes `bench-s-0000` .. up to N with `bench_store_ensure` (a copy of the template
  schema: its pg_dump replayed under the store's name, checked relation for relation), each
  with 3 products, 2 paid orders and an API key, by `--makers` processes at once; the copy of
  each new store is timed (median of the last 20 made); then the system catalog is ANALYZEd, as
  autovacuum does in production (`catalog_analyze`: the development server runs without it);
- **provisioning**: the real `store_provision` (clone, migrations check, starter content) of 3
  fresh stores at this N, median; they are dropped after;
- **server time**: p50/p95 of the storefront product page and of `GET /api/v1/products` over
  requests spread across all N stores (raw WSGI calls into one Django process, caches empty at
  the start): every store is visited twice, in a shuffled order each round, and a store's first
  visit and its repeat are reported apart, each with its ratio to N = 1; below 100 stores the
  pass is repeated (caches emptied in between) to reach 200 requests of each page.
  Every response is checked to carry its own store's products (a product title unique to it);
- **backend memory**: the PostgreSQL backend behind that process's connection, sampled every 25
  requests from ``pg_backend_memory_contexts`` (all contexts, and CacheMemoryContext where the
  catalog caches live), peak over a pass across every store: once with the connection bound off
  (TENANT_CONNECTION_MAX_SCHEMAS=0, the behaviour before the bound existed) and once with the
  setting's value (the connection is closed after serving that many stores);
- **migrate_all**: one new migration (an ALTER TABLE on the throwaway app `benchmarks.scaleapp`)
  across the template and all N stores, with ``--processes``;
- **the database**: relations (rows of pg_class), the size of the system catalog, the database.

Results are appended to ``.local/bench/scale.json`` and printed as a table. Making stores is
the slow part (seconds each): ``--max-minutes`` stops adding stores when the time is up, and the
level is then measured, and reported, at the N reached.

    .venv/bin/python benchmarks/bench_scale.py [--levels 1,100,1000,2000] [--max-minutes 60]
    .venv/bin/python benchmarks/bench_scale.py --drop      # drop every bench-s-* store

Environment: DATABASE_URL names the server (its database name is replaced), REDIS_URL.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("BENCH_DATABASE", "commerce_bench_scale")
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.scale_settings"
BENCH_DIR = REPO_ROOT / ".local" / "bench"
MIGRATIONS_DIR = BENCH_DIR / "scale_migrations"
RESULTS = BENCH_DIR / "scale.json"
KEYS = BENCH_DIR / "scale_keys.json"
sys.path.insert(0, str(BENCH_DIR))

from benchmarks._setup import (  # noqa: E402
    bench_merchant,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    catalog_analyze,
    median,
    migrate_all,
    percentile,
    say,
    template_sql,
    wsgi_get,
)

SLUG_FORMAT = "bench-s-{:04d}"
SLUG_PREFIX = "bench-s-"
PRODUCTS_PER_STORE = 3
ORDERS_PER_STORE = 2
MIN_REQUESTS = 200
MEMORY_SAMPLE_EVERY = 25
PROVISION_SAMPLES = 3

_INITIAL_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [
        migrations.RunSQL(
            "CREATE TABLE scaleapp_probe (id bigserial PRIMARY KEY, note text NOT NULL DEFAULT '')",
            "DROP TABLE scaleapp_probe",
        )
    ]
"""

_LEVEL_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scaleapp", "{previous}")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE scaleapp_probe ADD COLUMN {column} integer NOT NULL DEFAULT 0",
            "ALTER TABLE scaleapp_probe DROP COLUMN {column}",
        )
    ]
"""


# ---------------------------------------------------------------------------------------------
# The throwaway app's migrations
# ---------------------------------------------------------------------------------------------
def migrations_prepare() -> None:
    """The ``scale_migrations`` package with its first migration (before Django starts)."""
    MIGRATIONS_DIR.mkdir(parents=True, exist_ok=True)
    (MIGRATIONS_DIR / "__init__.py").touch()
    initial = MIGRATIONS_DIR / "0001_initial.py"
    if not initial.exists():
        initial.write_text(_INITIAL_MIGRATION)


def migration_add(level: int) -> str:
    """Write the next migration (adds a column); returns its name."""
    names = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py"))
    number = int(names[-1][:4]) + 1
    stamp = int(time.time())
    name = f"{number:04d}_level_{level}_{stamp}"
    column = f"level_{level}_{stamp}"
    (MIGRATIONS_DIR / f"{name}.py").write_text(_LEVEL_MIGRATION.format(previous=names[-1], column=column))
    importlib.invalidate_caches()  # the import system caches directory listings
    from apps.tenants import migrations_state

    migrations_state._graph.cache_clear()  # the code's migrations, read once per process
    return name


# ---------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------
def _keys_load() -> dict[str, str]:
    return json.loads(KEYS.read_text()) if KEYS.exists() else {}


def _store_fill(tenant: Any, keys: dict[str, str]) -> None:
    """3 products (titles carry the store's marker), 2 paid orders and an API key."""
    from django_tenants.utils import schema_context

    from apps.catalog.models import Product
    from benchmarks.bench_api import _api_key
    from tests.storefront_data import catalog_bulk_build

    with schema_context(tenant.schema_name):
        if not Product.objects.exists():
            catalog_bulk_build(products=PRODUCTS_PER_STORE, prefix=_marker(tenant.slug))
            _orders_make()
        if tenant.slug not in keys:
            keys[tenant.slug] = _api_key(tenant)


def _orders_make() -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.orders.models import Order
    from apps.orders.numbering import order_number_next
    from apps.stores.selectors import store_currency_get

    now = timezone.now()
    for index in range(ORDERS_PER_STORE):
        with transaction.atomic():  # the number is taken in the transaction that creates the order
            Order.objects.create(
                number=order_number_next(),
                status="paid",
                origin="draft",
                email=f"scale-{index}@example.com",
                currency=store_currency_get(),
                subtotal=Decimal("40.00"),
                total=Decimal("45.00"),
                amount_paid=Decimal("45.00"),
                paid_at=now,
                placed_at=now,
            )


def _marker(slug: str) -> str:
    """The word every product title of the store carries (unique per store)."""
    return slug.replace("-", "")


def _store_make(slug: str, deadline: float) -> tuple[str, str | None, float | None]:
    """One store made and filled (in a maker process): (slug, its API key, copy seconds)."""
    if time.monotonic() > deadline:
        return slug, None, None
    merchant, _user = bench_merchant()
    started = time.perf_counter()
    tenant, created = bench_store_ensure(slug, merchant=merchant)
    seconds = time.perf_counter() - started if created else None
    keys: dict[str, str] = {}
    _store_fill(tenant, keys)
    return slug, keys.get(slug), seconds


def stores_ensure(count: int, deadline: float, clone_times: list[float], makers: int) -> list[Any]:
    """Stores bench-s-0000 .. count-1 (made when missing, until the deadline, by `makers`
    processes at once); returns those that exist."""
    from django.db import connections

    from apps.tenants.models import Tenant

    bench_merchant()
    keys = _keys_load()
    slugs = [SLUG_FORMAT.format(index) for index in range(count)]
    have = set(Tenant.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    missing = [slug for slug in slugs if slug not in have or slug not in keys]
    if missing:
        template_sql()  # dumped once here; the makers inherit it
    connections.close_all()  # forked makers open their own (redis-py pools reset on fork)
    try:
        if missing:
            _stores_make(missing, deadline, keys, clone_times, makers)
    finally:
        KEYS.parent.mkdir(parents=True, exist_ok=True)
        KEYS.write_text(json.dumps(keys))
    made = {tenant.slug: tenant for tenant in Tenant.objects.filter(slug__in=slugs)}
    stores = [made[slug] for slug in slugs if slug in made and slug in keys]
    if len(stores) < count:
        say(f"time is up: {len(stores)} stores of {count}")
    return stores


def _stores_make(
    missing: list[str], deadline: float, keys: dict[str, str], clone_times: list[float], makers: int
) -> None:
    """Make `missing` in `makers` forked processes, adding their keys and copy times."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(max(makers, 1)) as pool:
        jobs = [(slug, deadline) for slug in missing]
        for done, (slug, key, seconds) in enumerate(pool.imap_unordered(_store_make_star, jobs), 1):
            if key is not None:
                keys[slug] = key
            if seconds is not None:
                clone_times.append(seconds)
            if done % 50 == 0:
                last = f"{clone_times[-1]:.2f}s" if clone_times else "-"
                say(f"stores: {done}/{len(missing)} made (last copy {last})")


def _store_make_star(arguments: tuple[str, float]) -> tuple[str, str | None, float | None]:
    return _store_make(*arguments)


def provisioning_median() -> float:
    """The real `store_provision` of a few fresh stores at the current N (dropped after)."""
    from collections import defaultdict

    from benchmarks.bench_provisioning import _stores_unlimited, provision_one

    merchant, user = bench_merchant()
    made, times = [], []
    try:
        with _stores_unlimited(merchant):
            for _ in range(PROVISION_SAMPLES):
                tenant, seconds = provision_one(merchant, user, defaultdict(list))
                made.append(tenant)
                times.append(seconds)
    finally:
        if made:
            bench_stores_drop(made)
    return median(times)


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------
def _request(handler: Any, host: str, path: str, query: str = "", key: str = "") -> tuple[int, bytes]:
    return wsgi_get(handler, host, path, query, {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else None)


def backend_memory() -> tuple[float, float]:
    """(all memory contexts, CacheMemoryContext and its children) of this connection's backend, MB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH contexts AS (SELECT * FROM pg_backend_memory_contexts)
            SELECT
              (SELECT sum(total_bytes) FROM contexts),
              (SELECT sum(total_bytes) FROM contexts
                WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext')
            """
        )
        total, cache = cursor.fetchone()
    return int(total or 0) / 2**20, int(cache or 0) / 2**20


def requests_pass(
    handler: Any,
    stores: list[Any],
    keys: dict[str, str],
    *,
    limit: int,
    seed: int,
    minimum: int = MIN_REQUESTS,
) -> dict[str, Any]:
    """Product page and API list for each store in a shuffled order (at least MIN_REQUESTS of
    each); timings, peak backend memory and how many responses carried another store's data."""
    from django.conf import settings
    from django.test.utils import override_settings

    from apps.tenants.connections import schemas_served

    # The same visits at every N: each store twice in a row of rounds (a shuffled order each
    # round), the first visit asking for its product 0 and the second for its product 1, so
    # that the first is a store's first request (nothing of it cached, its relations new to
    # the backend unless the connection served it before) and the second a repeat (the store
    # warm, the page itself not yet cached). With fewer stores than `minimum` requests, the
    # pass is repeated with the caches emptied in between, never with more rounds, which
    # would turn repeats into cached pages only at small N.
    passes = max(1, -(-minimum // (2 * len(stores))))
    sequence: list[tuple[int, Any, int]] = []  # (pass, store, visit)
    shuffler = random.Random(seed)
    for pass_number in range(passes):
        for visit in range(2):
            order = list(stores)
            shuffler.shuffle(order)
            sequence.extend((pass_number, tenant, visit) for tenant in order)
    product_ms: list[float] = []
    api_ms: list[float] = []
    first: list[bool] = []
    current_pass = 0
    wrong = 0
    peak_total = peak_cache = 0.0
    most_served = 0
    with override_settings(TENANT_CONNECTION_MAX_SCHEMAS=limit):
        for index, (pass_number, tenant, visit) in enumerate(sequence):
            if pass_number != current_pass:
                caches_clear()
                current_pass = pass_number
            host = f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"
            first.append(visit == 0)
            marker = _marker(tenant.slug).encode()
            product = f"/products/{_marker(tenant.slug)}-{visit:04d}/"
            started = time.perf_counter()
            status, body = _request(handler, host, product)
            product_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"{host}{product}: {status} {body[:300]!r}")
            wrong += marker not in body
            started = time.perf_counter()
            status, body = _request(handler, host, "/api/v1/products", "per_page=20", keys[tenant.slug])
            api_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"{host}/api/v1/products: {status} {body[:300]!r}")
            payload = json.loads(body)
            titles = [item["title"] for item in payload["data"]]
            wrong += len(titles) != PRODUCTS_PER_STORE or not all(
                _marker(tenant.slug) in title for title in titles
            )
            most_served = max(most_served, schemas_served())
            if index % MEMORY_SAMPLE_EVERY == MEMORY_SAMPLE_EVERY - 1 or index == len(sequence) - 1:
                total, cache = backend_memory()
                peak_total, peak_cache = max(peak_total, total), max(peak_cache, cache)
    figures: dict[str, Any] = {
        "requests": len(sequence) * 2,
        "product_p50_ms": percentile(product_ms, 50),
        "product_p95_ms": percentile(product_ms, 95),
        "api_p50_ms": percentile(api_ms, 50),
        "api_p95_ms": percentile(api_ms, 95),
        "memory_peak_mb": peak_total,
        "cache_context_peak_mb": peak_cache,
        "most_stores_on_one_connection": most_served,
        "wrong_store_responses": wrong,
    }
    for kind, wanted in (("first", True), ("repeat", False)):
        for name, times in (("product", product_ms), ("api", api_ms)):
            chosen = [ms for ms, is_first in zip(times, first, strict=True) if is_first is wanted]
            figures[f"{name}_{kind}_p50_ms"] = percentile(chosen, 50)
            figures[f"{name}_{kind}_p95_ms"] = percentile(chosen, 95)
    return figures


def caches_clear() -> None:
    """Empty the bench's Redis database (its own REDIS_URL) and the in-process page copies."""
    from django.core.cache import cache

    from apps.storefront.page_cache import local_pages

    cache.clear()
    local_pages.clear()


# ---------------------------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------------------------
def database_figures() -> dict[str, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'
            """
        )
        catalog = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
    return {
        "relations": int(relations),
        "catalog_mb": int(catalog) / 2**20,
        "database_mb": int(database) / 2**20,
    }


# ---------------------------------------------------------------------------------------------
def level_measure(
    level: int, deadline: float, processes: int, makers: int, handler_factory: Callable[[], Any]
) -> dict[str, Any]:
    from django.conf import settings

    from apps.core.tenancy import tenant_connection

    clone_times: list[float] = []
    stores = stores_ensure(level, deadline, clone_times, makers)
    reached = len(stores)
    say(f"level {level}: {reached} stores")
    if not reached:
        raise SystemExit("no store could be made before the deadline: raise --max-minutes")
    catalog_analyze()  # as autovacuum would have, in production, while the stores were made
    tenant_connection().set_schema_to_public()
    result: dict[str, Any] = {
        "level": level,
        "stores": reached,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clone_median_s": median(clone_times[-20:]) if clone_times else None,
        "clones_made": len(clone_times),
    }
    result["provision_median_s"] = provisioning_median()
    say(f"provisioning median {result['provision_median_s']:.2f}s")

    keys = _keys_load()
    bound = settings.TENANT_CONNECTION_MAX_SCHEMAS
    # The process's own first-use work (content types, sites, settings rows) must not land in
    # whichever pass comes first: one unmeasured request per store of a sample warms it.
    requests_pass(handler_factory(), stores[:20], keys, limit=0, seed=0, minimum=1)
    for label, limit in (("unbounded", 0), ("bounded", bound)):
        from django.db import connection

        caches_clear()  # each pass starts from cold caches, or the second would be served from them
        connection.close()  # and on a fresh backend
        fresh_total, _fresh_cache = backend_memory()
        connection.close()
        figures = requests_pass(handler_factory(), stores, keys, limit=limit, seed=level)
        figures["fresh_backend_mb"] = fresh_total
        figures["limit"] = limit
        result[label] = figures
        say(
            f"{label} (limit {limit}): p50/p95 ms "
            + ", ".join(
                f"{kind} {figures[f'{kind}_p50_ms']:.1f}/{figures[f'{kind}_p95_ms']:.1f}" for kind in KINDS
            )
            + f"; backend peak {figures['memory_peak_mb']:.1f} MB "
            f"(catalog caches {figures['cache_context_peak_mb']:.1f} MB), "
            f"wrong-store responses {figures['wrong_store_responses']}"
        )
        tenant_connection().set_schema_to_public()

    name = migration_add(level)
    seconds, _output = migrate_all(processes=processes)
    result["migrate_all_s"] = seconds
    result["migrate_processes"] = processes
    result["migration"] = name
    result.update(database_figures())
    return result


def migrate_measure(processes: int) -> None:
    """`migrate_all` for one new migration across the template and every store there is."""
    from apps.tenants.migrations_state import store_schema_names

    stores = len(store_schema_names())
    name = migration_add(0)
    seconds, _output = migrate_all(processes=processes)
    row = {
        "migrate_only": True,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schemas": stores + 1,
        "migrate_all_s": seconds,
        "migrate_processes": processes,
        "migration": name,
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps([*results, row], indent=1))
    print(
        f"RESULT bench=scale_migrate schemas={stores + 1} processes={processes} seconds={seconds:.1f} "
        f"per_schema_s={seconds / (stores + 1):.3f}",
        flush=True,
    )


KINDS = ("product_first", "product_repeat", "api_first", "api_repeat")


def table(results: list[dict[str, Any]], base: dict[str, Any] | None) -> None:
    """`base`: the latest N = 1 row (this run's or an earlier one's) the ratios are taken to."""

    def pair(figures: dict[str, Any], kind: str) -> str:
        return f"{figures[f'{kind}_p50_ms']:.1f}/{figures[f'{kind}_p95_ms']:.1f}"

    def ratios(row: dict[str, Any]) -> str:
        if base is None:
            return "-"
        return "/".join(
            f"{row['bounded'][f'{kind}_p95_ms'] / base['bounded'][f'{kind}_p95_ms']:.2f}" for kind in KINDS
        )

    print("=" * 72)
    print("BENCHMARK scale (stores in one database; server times in ms, connection bound on)")
    print("=" * 72)
    head = (
        "N", "copy s", "provision s", "product first p50/p95", "product repeat p50/p95",
        "API first p50/p95", "API repeat p50/p95", "p95 vs N=1 (same order)",
        "backend MB unbounded/bounded", "migrate_all s", "relations", "catalog MB", "db MB",
    )  # fmt: skip
    print(" | ".join(head))
    for row in results:
        bounded, unbounded = row["bounded"], row["unbounded"]
        clone = f"{row['clone_median_s']:.2f}" if row["clone_median_s"] is not None else "-"
        print(
            " | ".join(
                [
                    str(row["stores"]),
                    clone,
                    f"{row['provision_median_s']:.2f}",
                    *(pair(bounded, kind) for kind in KINDS),
                    ratios(row),
                    f"{unbounded['memory_peak_mb']:.1f}/{bounded['memory_peak_mb']:.1f}",
                    f"{row['migrate_all_s']:.1f} (x{row['migrate_processes']})",
                    str(row["relations"]),
                    f"{row['catalog_mb']:.0f}",
                    f"{row['database_mb']:.0f}",
                ]
            )
        )
    print("=" * 72)
    for row in results:
        wrong = row["bounded"]["wrong_store_responses"] + row["unbounded"]["wrong_store_responses"]
        print(f"RESULT bench=scale stores={row['stores']} wrong_store_responses={wrong}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,100,1000,2000", help="comma-separated store counts")
    parser.add_argument("--max-minutes", type=float, default=60.0, help="stop making stores after this")
    parser.add_argument("--processes", type=int, default=2, help="migrate_all's parallel processes")
    parser.add_argument("--makers", type=int, default=2, help="processes that make stores at once")
    parser.add_argument(
        "--migrate-only", action="store_true", help="only time one new migration across the stores there are"
    )
    parser.add_argument("--drop", action="store_true", help="drop every bench-s-* store and exit")
    args = parser.parse_args()
    levels = sorted({int(level) for level in args.levels.split(",") if level.strip()})

    migrations_prepare()
    bootstrap(migrate=not args.drop)
    from django.core.handlers.wsgi import WSGIHandler

    from apps.tenants.models import Tenant
    from benchmarks.bench_api import _rate_unlimited

    if args.drop:
        doomed = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX))
        say(f"dropped {bench_stores_drop(doomed)} stores")
        KEYS.unlink(missing_ok=True)
        return
    if args.migrate_only:
        migrate_measure(args.processes)
        return
    merchant, _user = bench_merchant()
    _rate_unlimited(merchant)
    deadline = time.monotonic() + args.max_minutes * 60  # counted from here: migrating is not making stores
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    measured: list[dict[str, Any]] = []
    for level in levels:
        row = level_measure(level, deadline, args.processes, args.makers, WSGIHandler)
        measured.append(row)
        results.append(row)
        RESULTS.write_text(json.dumps(results, indent=1))
        if row["stores"] < level:
            break
    base = next(
        (
            row
            for row in reversed(results)
            if row.get("stores") == 1 and "product_first_p95_ms" in row.get("bounded", {})
        ),
        None,
    )
    table(measured, base)
    if any(
        row["bounded"]["wrong_store_responses"] or row["unbounded"]["wrong_store_responses"]
        for row in measured
    ):
        raise SystemExit("some responses carried another store's data")


if __name__ == "__main__":
    main()
