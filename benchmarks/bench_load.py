"""Load test: mixed shopper traffic across 100 stores against gunicorn with production settings.

- Stores `bench-load-000` .. `bench-load-099` (`--stores`) in the database `commerce_bench_load`
  (BENCH_DATABASE; **kept** between runs, `--cleanup` drops them), each a copy of the template (`bench_store_ensure`) with `--products` (8)
  products whose titles carry a word of that store only (`loadmark042`), one collection, stock,
  and the demo checkout set-up (`apps/checkout/demo.py`: shipping to Germany, EU VAT, the dummy
  gateway and bank transfer).
- gunicorn (`requirements/bench.txt`, installed on first use with locust) serves
  `config.wsgi` on 127.0.0.1:<free port> with `--workers` (3) processes and production settings
  (`benchmarks/load/settings.py`: `config.settings.production` plus a broker key prefix of the
  run's own, so the events the orders publish, which no worker reads here, are deleted at the
  end). Static files are collected first (production's manifest storage needs them). The ingress
  in front of production terminates TLS and sends `X-Forwarded-Proto: https`; the load test sends
  the same header, so HTTPS redirects, secure cookies and CSRF's origin check stay on.
- locust (`benchmarks/load/locustfile.py`) runs headless for `--duration` seconds with `--users`
  shoppers (spawned at `--spawn-rate` per second), each task on a store picked at random: home,
  collection, product, search, add to cart + cart, and a whole checkout with the dummy gateway to
  the order confirmation. Every response is checked to be the expected status and the page of
  the store asked for (its name and its marker word).

Prints throughput (req/s), p50/p95 per request type, errors and mismatches (target 0 each), and
compares the orders the database has for this run with the confirmations locust saw.

    .venv/bin/python benchmarks/bench_load.py [--users 40] [--duration 90] [--workers 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# A database of its own (like bench_scale.py): the 100 kept stores would otherwise change what
# the other benchmarks measure (bench_migrate_noop.py walks every store), and its lock is held
# for the several minutes of a run.
os.environ.setdefault("BENCH_DATABASE", "commerce_bench_load")

from benchmarks._setup import (
    REPO_ROOT,
    bench_merchant,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    report,
    say,
    verdict,
)

SLUG_FORMAT = "bench-load-{:03d}"
ARTIFACTS = REPO_ROOT / ".local" / "artifacts" / "load"
VENV_BIN = Path(sys.executable).parent
STOCK = 1_000_000


def marker_of(n: int) -> str:
    return f"loadmark{n:03d}"


# ---------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------
def _store_fill(n: int, products: int) -> dict[str, Any]:
    """Inside the store's schema: its products (made once), stock, the demo checkout set-up."""
    from apps.catalog.models import Collection, Product
    from apps.checkout.demo import checkout_demo_load
    from apps.inventory.models import StockLevel
    from tests.storefront_data import catalog_bulk_build

    marker = marker_of(n)
    if not Product.objects.filter(handle__startswith=f"{marker}-").exists():
        catalog_bulk_build(products=products, prefix=marker)
    checkout_demo_load()
    StockLevel.objects.update(on_hand=STOCK)
    handles = list(
        Product.objects.filter(handle__startswith=f"{marker}-", status=Product.Status.ACTIVE)
        .order_by("handle")
        .values_list("handle", flat=True)
    )
    collection = Collection.objects.order_by("pk").values_list("handle", flat=True).first()
    if not handles or collection is None:
        raise SystemExit(f"store {n}: no products or no collection")
    return {"marker": marker, "products": handles, "collection": collection}


def _store_complete(n: int, products: int) -> bool:
    """Inside the store's schema: whether an earlier run finished filling it."""
    from apps.catalog.models import CollectionProduct, Product, ProductVariant

    mine = {"product__handle__startswith": f"{marker_of(n)}-"}
    return (
        Product.objects.filter(handle__startswith=f"{marker_of(n)}-").count() == products
        and ProductVariant.objects.filter(**mine).count() == products
        and CollectionProduct.objects.filter(**mine).count() == products
    )


def stores_ensure(count: int, products: int, *, existing_only: bool = False) -> list[dict[str, Any]]:
    """The first `count` load stores, made or completed as needed; with `existing_only`, those
    of them an earlier run finished (none is made: a time-boxed run on a busy machine)."""
    from django.conf import settings
    from django_tenants.utils import schema_context, schema_exists

    from apps.tenants.models import Tenant

    merchant, _owner = bench_merchant()
    stores = []
    started = time.perf_counter()
    made = 0
    for n in range(count):
        slug = SLUG_FORMAT.format(n)
        if existing_only:
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None or not schema_exists(tenant.schema_name):
                continue
            with schema_context(tenant.schema_name):
                if not _store_complete(n, products):
                    continue
        else:
            tenant, created = bench_store_ensure(slug, merchant=merchant)
            made += created
        with schema_context(tenant.schema_name):
            data = _store_fill(n, products)
        stores.append({"host": f"{slug}.{settings.PLATFORM_DOMAIN}", "name": tenant.name, **data})
        if (n + 1) % 10 == 0:
            say(f"stores ready: {n + 1}/{count} ({made} created, {time.perf_counter() - started:.0f}s)")
    return stores


def stores_cleanup() -> int:
    from apps.tenants.models import Tenant

    return bench_stores_drop(Tenant.objects.filter(slug__startswith="bench-load-"))


# ---------------------------------------------------------------------------------------------
# gunicorn and locust
# ---------------------------------------------------------------------------------------------
def tools_ensure() -> None:
    if not ((VENV_BIN / "gunicorn").exists() and (VENV_BIN / "locust").exists()):
        say("installing requirements/bench.txt (gunicorn, locust)")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "-r",
                str(REPO_ROOT / "requirements" / "bench.txt"),
            ],
            check=True,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(broker_prefix: str) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
            # The bench stores' domains are <slug>.<PLATFORM_DOMAIN> of the settings that made them.
            "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
            "LOAD_BROKER_PREFIX": broker_prefix,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            # Media would live on S3; no page of this test reads or writes a file there.
            "AWS_STORAGE_BUCKET_NAME": "bench-load-media",
            "AWS_PRIVATE_STORAGE_BUCKET_NAME": "bench-load-private",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            # A staging cluster's switch: the dummy gateway is what the test pays with.
            "PAYMENTS_DUMMY_ENABLED": "1",
            # Tasks go to the broker as in production, whatever the calling shell had set.
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def static_collect(env: dict[str, str]) -> None:
    """collectstatic for production's manifest storage, unless the manifest is newer than every
    static source file (under load it takes minutes)."""
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        built = manifest.stat().st_mtime
        sources = [REPO_ROOT / "static", *REPO_ROOT.glob("apps/*/static")]
        if not any(f.stat().st_mtime > built for d in sources for f in d.rglob("*") if f.is_file()):
            say("static files: the collected manifest is current")
            return
    say("collectstatic (production's manifest storage)")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=REPO_ROOT,
        check=True,
    )


def gunicorn_start(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    # gunicorn.conf.py (read from the repository root, as from /app in the image) keeps the
    # Prometheus files of its workers there: one directory of this run's own.
    metrics_dir = ARTIFACTS / "prometheus"
    metrics_dir.mkdir(parents=True, exist_ok=True)
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    cmd = [
        "nice",
        "-n",
        "10",
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
    ]
    with log.open("ab") as out:
        server = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not answer /healthz within 120 s; see {log}")


def gunicorn_stop(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def broker_keys_delete(prefix: str) -> int:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def locust_run(args: argparse.Namespace, port: int, stores_file: Path, csv_prefix: Path) -> int:
    cmd = [
        "nice",
        "-n",
        "10",
        str(VENV_BIN / "locust"),
        "-f",
        str(REPO_ROOT / "benchmarks" / "load" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "30",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "LOAD_STORES": str(stores_file)}
    return subprocess.run(cmd, env=env, cwd=REPO_ROOT, check=False).returncode


def stats_read(csv_prefix: Path) -> tuple[list[dict[str, str]], dict[str, str], list[dict[str, str]]]:
    with open(f"{csv_prefix}_stats.csv") as stats_file:
        rows = list(csv.DictReader(stats_file))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    rows = [row for row in rows if row["Name"] != "Aggregated"]
    with open(f"{csv_prefix}_failures.csv") as failures_file:
        failures = list(csv.DictReader(failures_file))
    return rows, total, failures


def orders_since(stores: list[dict[str, Any]], since: Any) -> tuple[int, int]:
    """(orders placed by the load test since `since`, of them paid) over every load store."""
    from django_tenants.utils import schema_context

    from apps.orders.models import Order
    from apps.tenants.models import Tenant

    placed = paid = 0
    slugs = [store["host"].split(".", 1)[0] for store in stores]
    for tenant in Tenant.objects.filter(slug__in=slugs):
        with schema_context(tenant.schema_name):
            orders = Order.objects.filter(created_at__gte=since, email__startswith="load-")
            placed += orders.count()
            paid += orders.filter(paid_at__isnull=False).count()
    return placed, paid


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--products", type=int, default=8, help="products per store")
    parser.add_argument("--users", type=int, default=40, help="concurrent locust shoppers")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=90, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--setup-only", action="store_true", help="make the stores and stop")
    parser.add_argument(
        "--existing-only", action="store_true", help="use only the load stores an earlier run finished"
    )
    parser.add_argument("--cleanup", action="store_true", help="drop the bench-load-* stores and stop")
    args = parser.parse_args()

    bootstrap()
    if args.cleanup:
        say(f"dropped {stores_cleanup()} bench-load stores")
        return
    started = time.perf_counter()
    stores = stores_ensure(args.stores, args.products, existing_only=args.existing_only)
    if not stores:
        raise SystemExit("no load store is ready (run without --existing-only)")
    say(f"{len(stores)} stores ready in {time.perf_counter() - started:.0f}s")
    if args.setup_only:
        return
    tools_ensure()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stores_file = ARTIFACTS / "stores.json"
    stores_file.write_text(json.dumps(stores, indent=1))

    broker_prefix = f"bench-load-{os.getpid()}:"
    env = production_env(broker_prefix)
    static_collect(env)
    port = free_port()
    log = ARTIFACTS / "gunicorn.log"
    log.write_text("")
    server = gunicorn_start(env, port, args.workers, log)
    say(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers, production settings")

    from django.utils import timezone

    since = timezone.now()
    try:
        say(f"locust: {args.users} shoppers over {len(stores)} stores for {args.duration}s")
        code = locust_run(args, port, stores_file, ARTIFACTS / "locust")
    finally:
        gunicorn_stop(server)
        deleted = broker_keys_delete(broker_prefix)
    rows, total, failures = stats_read(ARTIFACTS / "locust")
    placed, paid = orders_since(stores, since)
    confirmed = sum(
        int(r["Request Count"]) - int(r["Failure Count"]) for r in rows if r["Name"] == "order confirmation"
    )
    mismatches = sum(int(f["Occurrences"]) for f in failures if "MISMATCH:" in f["Error"])
    errors = int(total["Failure Count"]) - mismatches
    requests = int(total["Request Count"])
    rps = float(total["Requests/s"])
    ok = errors == 0 and mismatches == 0 and requests > 0 and placed == paid and paid >= confirmed

    lines = [
        ("stores / products each", f"{len(stores)} / {args.products}"),
        ("gunicorn workers / shoppers", f"{args.workers} / {args.users} for {args.duration}s"),
        ("requests", f"{requests} ({rps:.1f} req/s)"),
        ("p50 / p95 all", f"{total['50%']} / {total['95%']} ms"),
    ]
    for row in rows:
        lines.append(
            (
                f"  {row['Type']} {row['Name']}",
                f"{row['Request Count']:>6} req, p50 {row['50%']} ms, p95 {row['95%']} ms",
            )
        )
    lines += [
        ("errors (target 0)", str(errors)),
        ("mismatches (target 0)", str(mismatches)),
        ("orders confirmed / in DB / paid", f"{confirmed} / {placed} / {paid}"),
        ("broker keys deleted", str(deleted)),
        ("verdict", verdict(ok)),
    ]
    for failure in failures[:10]:
        lines.append((f"  failure x{failure['Occurrences']}", f"{failure['Name']}: {failure['Error'][:120]}"))
    report(
        "load",
        lines,
        {
            "stores": len(stores),
            "users": args.users,
            "workers": args.workers,
            "duration_s": args.duration,
            "requests": requests,
            "rps": rps,
            "p50_ms": float(total["50%"]),
            "p95_ms": float(total["95%"]),
            "errors": errors,
            "mismatches": mismatches,
            "orders": placed,
            "target_met": ok,
        },
    )
    if code not in (0, 1) or not ok:  # locust exits 1 when a request failed
        sys.exit(1)


if __name__ == "__main__":
    main()
