"""Requests/s of one trivial view through the full middleware stack: a store host against the
platform host, side by side in one process.

Both ROOT_URLCONF and PUBLIC_SCHEMA_URLCONF point at `benchmarks.trivial_urls` (one view that
returns the routed schema's name), so the two sides differ only in tenant routing. Requests
are raw WSGI calls into `django.core.handlers.wsgi.WSGIHandler` (no test-client overhead),
in interleaved rounds; the best round of each side is compared (noise only ever slows a round
down), the median is shown too. Also counts the SQL queries of warm requests on the store
host: the routing cache should make that zero tenant lookups.

Targets: store/public >= 0.9, 0 tenant lookups per warm request.

    .venv/bin/python benchmarks/bench_routing.py [--rounds 5] [--requests 2000]
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    median,
    report,
    say,
    verdict,
)

TARGET_RATIO = 0.9
STORE_SLUG = "bench-route"
PATH = "/bench/"
TENANT_TABLES = ("tenants_domain", "tenants_tenant")


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def make_caller(handler: Callable[..., Any], host: str) -> Callable[[], tuple[int, bytes]]:
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }

    def call() -> tuple[int, bytes]:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(b"")
        response = handler(environ, _start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()  # what a WSGI server does: fires request_finished
        return response.status_code, body

    return call


def _lookups(sqls: Iterable[str]) -> int:
    """How many of these statements read the tenant/domain tables."""
    return sum(1 for sql in sqls if any(table in sql for table in TENANT_TABLES))


def run_batch(call: Callable[[], tuple[int, bytes]], count: int) -> float:
    """Seconds for `count` requests."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(count):
        call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round and side")
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from apps.tenants.routing import routing_cache_clear

    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    store_host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"
    public_host = settings.PLATFORM_DOMAIN
    try:
        with override_settings(
            ROOT_URLCONF="benchmarks.trivial_urls",
            PUBLIC_SCHEMA_URLCONF="benchmarks.trivial_urls",
            DEBUG=False,
        ):
            handler = WSGIHandler()
            sides = {"store": make_caller(handler, store_host), "public": make_caller(handler, public_host)}
            expected = {"store": tenant.schema_name.encode(), "public": b"public"}

            # Correctness and cold cost: the first request after a cache clear looks the host up.
            cold_queries: dict[str, int] = {}
            cold_lookups: dict[str, int] = {}
            for side, call in sides.items():
                routing_cache_clear()
                with CaptureQueriesContext(connection) as ctx:
                    status, body = call()
                if status != 200 or body != expected[side]:
                    raise SystemExit(f"{side}: expected 200 {expected[side]!r}, got {status} {body[:200]!r}")
                cold_queries[side] = len(ctx.captured_queries)
                cold_lookups[side] = _lookups(q["sql"] for q in ctx.captured_queries)

            for call in sides.values():  # warm up
                run_batch(call, 300)

            # Queries of warm requests on the store host.
            warm_count = 500
            with CaptureQueriesContext(connection) as ctx:
                for _ in range(warm_count):
                    sides["store"]()
            warm_sql = [q["sql"] for q in ctx.captured_queries]
            warm_lookups = _lookups(warm_sql)

            rps: dict[str, list[float]] = {"store": [], "public": []}
            for index in range(args.rounds):
                order = ["store", "public"] if index % 2 == 0 else ["public", "store"]
                for side in order:
                    seconds = run_batch(sides[side], args.requests)
                    rps[side].append(args.requests / seconds)
                say(
                    f"round {index + 1}/{args.rounds}: store {rps['store'][-1]:.0f} req/s, "
                    f"public {rps['public'][-1]:.0f} req/s"
                )
    finally:
        if created:
            say(f"dropped {bench_stores_drop([tenant])} bench store")

    best = {side: max(values) for side, values in rps.items()}
    med = {side: median(values) for side, values in rps.items()}
    ratio_best = best["store"] / best["public"]
    ratio_median = med["store"] / med["public"]
    per_request_us = {side: 1e6 / best[side] for side in best}
    warm_qpr = len(warm_sql) / warm_count
    warm_lookups_pr = warm_lookups / warm_count
    rows = [
        ("rounds x requests per side", f"{args.rounds} x {args.requests} (interleaved, WSGIHandler)"),
        ("store host", store_host),
        ("public host", public_host),
        ("store req/s  best / median", f"{best['store']:.0f} / {med['store']:.0f}"),
        ("public req/s best / median", f"{best['public']:.0f} / {med['public']:.0f}"),
        (
            "per request (best)",
            f"store {per_request_us['store']:.0f} us, public {per_request_us['public']:.0f} us",
        ),
        ("ratio store/public best", f"{ratio_best:.3f}"),
        ("ratio store/public median", f"{ratio_median:.3f}"),
        (f"target ratio >= {TARGET_RATIO:g} (best)", verdict(ratio_best >= TARGET_RATIO)),
        (
            f"queries per warm store request ({warm_count})",
            f"{warm_qpr:.3f} (tenant lookups {warm_lookups_pr:.3f})",
        ),
        ("target 0 tenant lookups warm", verdict(warm_lookups == 0)),
        (
            "queries of a cold request (lookups)",
            f"store {cold_queries['store']} ({cold_lookups['store']}), "
            f"public {cold_queries['public']} ({cold_lookups['public']})",
        ),
    ]
    report(
        "routing",
        rows,
        {
            "store_rps_best": best["store"],
            "public_rps_best": best["public"],
            "store_rps_median": med["store"],
            "public_rps_median": med["public"],
            "ratio_best": ratio_best,
            "ratio_median": ratio_median,
            "warm_queries_per_request": warm_qpr,
            "warm_tenant_lookups_per_request": warm_lookups_pr,
            "cold_queries_store": cold_queries["store"],
            "cold_queries_public": cold_queries["public"],
            "cold_tenant_lookups_store": cold_lookups["store"],
            "target_ratio": TARGET_RATIO,
            "target_met": ratio_best >= TARGET_RATIO and warm_lookups == 0,
        },
    )


if __name__ == "__main__":
    main()
