"""Shared bootstrapping for the benchmark scripts.

Every benchmark runs against a database of its own, ``commerce_bench`` (or the ``commerce_bench*``
name in BENCH_DATABASE), on the server that
DATABASE_URL names: the URL's database name is replaced, the database is created when missing
(connecting to the server's ``postgres`` database only to do so), DATABASE_URL is pointed at it
and only then is Django set up. No other database is ever touched.

Stores a benchmark creates have a subdomain starting with ``bench-`` (schema ``store_bench_...``);
`bench_stores_drop` refuses to touch anything else.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
# A benchmark that keeps thousands of stores (bench_scale.py) names a database of its own through
# BENCH_DATABASE, so that it neither holds the others' lock for hours nor skews their catalogs.
BENCH_DB_NAME = os.environ.get("BENCH_DATABASE") or "commerce_bench"
if not BENCH_DB_NAME.startswith("commerce_bench"):
    raise SystemExit(f"BENCH_DATABASE must start with 'commerce_bench', not {BENCH_DB_NAME!r}")
BENCH_SLUG_PREFIX = "bench-"
BENCH_SCHEMA_PREFIX = "store_bench_"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/commerce"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


# ---------------------------------------------------------------------------------------------
# Database and Django
# ---------------------------------------------------------------------------------------------
def bench_database_url(url: str) -> str:
    """DATABASE_URL with its database name replaced by ``commerce_bench`` (query string kept)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise SystemExit(f"benchmarks need a PostgreSQL DATABASE_URL, not {parts.scheme}://")
    return urlunsplit((parts.scheme, parts.netloc, "/" + BENCH_DB_NAME, parts.query, parts.fragment))


def _connect_params(url: str, dbname: str) -> dict[str, Any]:
    import environ

    config = environ.Env.db_url_config(url)
    if config["NAME"] != BENCH_DB_NAME:  # belt and braces: only ever work on our own database
        raise SystemExit(f"refusing to use database {config['NAME']!r}")
    params: dict[str, Any] = {"dbname": dbname, "autocommit": True, "connect_timeout": 10}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if config.get(key):
            params[name] = str(config[key])
    return params


def _database_ensure(url: str) -> bool:
    """Create the bench database when it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**_connect_params(url, "postgres")) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB_NAME]).fetchone()
        if found is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB_NAME)))
            return True
    return False


_lock_connection: Any = None
_LOCK_KEY = 0x62656E63  # "benc": one benchmark at a time per database


def _run_lock(url: str) -> None:
    """Hold a session advisory lock on its own connection for the whole run, so two benchmarks
    never create the same stores at once nor disturb each other's timings."""
    global _lock_connection
    import psycopg

    conn = psycopg.connect(**_connect_params(url, BENCH_DB_NAME))
    got = conn.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY]).fetchone()
    if not (got and got[0]):
        say("another benchmark is running on this database; waiting for it")
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
    _lock_connection = conn  # released when the process exits


def bootstrap(*, migrate: bool = True) -> None:
    """Point Django at ``commerce_bench``, set it up, and run ``migrate_all`` there."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    url = bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    os.environ["DATABASE_URL"] = url
    created = _database_ensure(url)
    say(f"database {BENCH_DB_NAME}: {'created' if created else 'exists'}")
    _run_lock(url)

    import django

    django.setup()

    import logging

    from django.conf import settings

    # Eager Celery logs every task it runs at INFO ("celery" follows LOG_LEVEL): not a figure.
    logging.getLogger("celery").setLevel(logging.WARNING)

    if settings.DATABASES["default"]["NAME"] != BENCH_DB_NAME:
        raise SystemExit(f"Django is not pointed at {BENCH_DB_NAME}; refusing to run")
    if migrate:
        migrate_all()


def migrate_all(**options: Any) -> tuple[float, str]:
    """Run ``manage.py migrate_all``; returns (seconds, its output)."""
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(out):
        call_command("migrate_all", stdout=out, **options)
    seconds = time.perf_counter() - started
    text = out.getvalue().strip()
    say(f"migrate_all in {seconds:.2f}s: " + "; ".join(line.strip() for line in text.splitlines()))
    return seconds, text


# ---------------------------------------------------------------------------------------------
# Bench stores
# ---------------------------------------------------------------------------------------------
def is_bench_slug(slug: str) -> bool:
    return slug.startswith(BENCH_SLUG_PREFIX)


def bench_merchant() -> Any:
    """A merchant (with one owner) that owns every bench store; kept between runs."""
    from apps.accounts.models import User
    from apps.platform.models import Membership, Merchant

    user, _ = User.objects.get_or_create(
        email="bench-owner@bench.invalid", defaults={"full_name": "Bench Owner"}
    )
    merchant = Merchant.objects.filter(name="Bench merchant").order_by("pk").first()
    if merchant is None:
        merchant = Merchant.objects.create(name="Bench merchant")
    Membership.objects.get_or_create(merchant=merchant, user=user, defaults={"role": Membership.Role.OWNER})
    return merchant, user


# The template schema as pg_dump writes it, per state of the template (its last migration):
# read once per process, and again once the template has migrated.
_TEMPLATE_SQL: dict[int, str] = {}


def _libpq() -> tuple[list[str], dict[str, str]]:
    from django.db import connection

    db = connection.settings_dict
    args = [
        "-h",
        str(db["HOST"] or "127.0.0.1"),
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        str(db["USER"]),
        "-d",
        db["NAME"],
    ]
    return args, {**os.environ, "PGPASSWORD": str(db["PASSWORD"] or "")}


def template_sql() -> str:
    """The template schema, structure and rows, as pg_dump (Debian's postgresql-client) writes it."""
    from django.conf import settings
    from django.db import connection

    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{template}".django_migrations')
        state = int(cursor.fetchone()[0])
    if state not in _TEMPLATE_SQL:
        args, env = _libpq()
        dump = subprocess.run(
            ["pg_dump", *args, "--schema", template, "--no-owner", "--no-privileges"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        _TEMPLATE_SQL.clear()
        _TEMPLATE_SQL[state] = dump.stdout
    return _TEMPLATE_SQL[state]


# The system catalog tables a store's schema adds rows to, and the catalog reads of provisioning,
# migrate_all and schema introspection plan against.
CATALOG_TABLES = (
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_depend",
    "pg_description",
    "pg_index",
    "pg_namespace",
    "pg_sequence",
    "pg_trigger",
    "pg_type",
)


def catalog_analyze() -> None:
    """ANALYZE the system catalog, as autovacuum does in production whenever a table has grown
    by a tenth. The development server runs with autovacuum off: after stores are made in bulk
    the planner's statistics still describe the small database, and the catalog reads of
    provisioning, constraint renames and migrate_all pick plans for a handful of rows (at 1,000
    stores a clone took 15.2 s before this and 2.7 s after)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in CATALOG_TABLES:
            cursor.execute(f"ANALYZE pg_catalog.{table}")


def _relations(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace", [schema])
        return int(cursor.fetchone()[0])


def schema_from_dump(schema: str) -> None:
    """A store's schema made by replaying the template's dump under the store's name.

    `store_provision` clones with django-tenants' `clone_schema` (apps/tenants/clone.py): 4-7 s a
    store here, which would take hours for the 2,000 stores of bench_scale. Replaying a dump of
    the same schema gives the same tables, indexes, constraints, sequences and rows in under a
    second; the store is checked to have as many relations as the template. Provisioning itself
    is measured the real way (bench_provisioning.py, bench_scale's provisioning_median).
    """
    import re

    from django.conf import settings

    template = settings.TENANT_BASE_SCHEMA
    sql = re.sub(rf"\b{re.escape(template)}\b", schema, template_sql())
    args, env = _libpq()
    subprocess.run(
        ["psql", *args, "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    made, expected = _relations(schema), _relations(template)
    if made != expected:
        raise SystemExit(f"{schema}: {made} relations from the dump, the template has {expected}")


def bench_store_ensure(slug: str, *, merchant: Any = None) -> tuple[Any, bool]:
    """An active store with a copy of the template schema, made directly (rows + `schema_from_dump`),
    not via the services.

    Returns (tenant, created). Only the pieces that are missing are created, so a store left
    half-made by an interrupted run is completed.
    """
    from django.conf import settings
    from django_tenants.utils import schema_exists

    from apps.tenants.models import Domain, Tenant
    from apps.tenants.services import schema_name_for

    if not is_bench_slug(slug):
        raise ValueError(f"{slug!r} is not a bench store")
    created = False
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = Tenant.objects.create(
            schema_name=schema_name_for(slug),
            name=f"Bench {slug}",
            slug=slug,
            merchant=merchant,
            status=Tenant.Status.ACTIVE,
            provisioning_step=Tenant.Step.DONE,
        )
        created = True
    elif tenant.status != Tenant.Status.ACTIVE:
        tenant.status = Tenant.Status.ACTIVE
        tenant.save(update_fields=["status", "updated_at"])
    if not Domain.objects.filter(tenant=tenant).exists():
        Domain.objects.create(tenant=tenant, domain=f"{slug}.{settings.PLATFORM_DOMAIN}", is_primary=True)
    if not schema_exists(tenant.schema_name):
        schema_from_dump(tenant.schema_name)
        created = True
    return tenant, created


def bench_stores_drop(tenants: Iterable[Any]) -> int:
    """Drop the schemas and rows of bench stores (Domain, audit entries, hand-offs cascade)."""
    from django.db import connection, transaction

    from apps.core.tenancy import tenant_connection
    from apps.tenants.models import Tenant

    tenant_connection().set_schema_to_public()
    doomed = list(tenants)
    for tenant in doomed:
        if not (is_bench_slug(tenant.slug) and tenant.schema_name.startswith(BENCH_SCHEMA_PREFIX)):
            raise ValueError(f"refusing to drop non-bench store {tenant.slug!r} ({tenant.schema_name})")
    for tenant in doomed:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
    with transaction.atomic():
        Tenant.objects.filter(pk__in=[t.pk for t in doomed]).delete()
    return len(doomed)


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------
def wsgi_get(
    handler: Any, host: str, path: str, query: str = "", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """A GET straight into a WSGI handler (no test client): (status, body). `headers` are
    WSGI keys, e.g. ``{"HTTP_AUTHORIZATION": "Bearer ..."}``."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **(headers or {}),
    }
    response = handler(environ, lambda status, response_headers, exc_info=None: None)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return response.status_code, body


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------
def say(message: str) -> None:
    print(f"-- {message}", flush=True)


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (pct in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def report(name: str, rows: Sequence[tuple[str, str]], result: dict[str, Any]) -> None:
    """Print one summary block and a machine-readable ``RESULT bench=<name> key=value ...`` line."""
    width = max(len(label) for label, _ in rows)
    rule = "=" * 72
    print(rule)
    print(f"BENCHMARK {name}")
    print(rule)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    print(rule)
    fields = " ".join(f"{key}={_fmt(value)}" for key, value in result.items())
    print(f"RESULT bench={name} {fields}", flush=True)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value).replace(" ", "_")
