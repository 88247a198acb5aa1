"""What the Prometheus instrumentation costs per request (apps.core.metrics): the platform host
served with and without `RequestMetricsMiddleware`, side by side in one process, and the cost of
timing one cache call.

Two views (this module is their URLconf): `/bench/` answers at once (no query); `/bench/work/`
makes 5 queries and 5 cache reads, so the per-query and per-call timers show. Requests are raw
WSGI calls into `WSGIHandler`, in interleaved rounds; the best round of each side is compared.
`--multiprocess` runs everything with PROMETHEUS_MULTIPROC_DIR set (values in mmap files, as
under gunicorn). No target: it prints figures.

    .venv/bin/python benchmarks/bench_metrics.py [--rounds 5] [--requests 2000] [--multiprocess]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.http import HttpRequest, HttpResponse
from django.urls import path, resolve

from benchmarks._setup import bootstrap, median, report, say
from benchmarks.bench_routing import run_batch

QUERIES = 5
CACHE_READS = 5


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def work(request: HttpRequest) -> HttpResponse:
    from django.core.cache import cache
    from django.db import connection

    with connection.cursor() as cursor:
        for _ in range(QUERIES):
            cursor.execute("SELECT 1")
    for index in range(CACHE_READS):
        cache.get(f"bench-metrics-{index}")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/", trivial, name="bench-trivial"), path("bench/work/", work, name="bench-work")]


def _per_call_us(func: Any, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        func()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round, side and view")
    parser.add_argument("--multiprocess", action="store_true", help="PROMETHEUS_MULTIPROC_DIR set")
    args = parser.parse_args()
    if args.multiprocess:  # before prometheus_client is imported (by django.setup())
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")

    bootstrap()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    metrics_middleware = "apps.core.metrics.RequestMetricsMiddleware"
    assert metrics_middleware in settings.MIDDLEWARE
    without = [name for name in settings.MIDDLEWARE if name != metrics_middleware]
    host = settings.PLATFORM_DOMAIN
    handlers = {}
    for side, middleware in (("metrics", list(settings.MIDDLEWARE)), ("plain", without)):
        with override_settings(MIDDLEWARE=middleware):
            handlers[side] = WSGIHandler()
    results: dict[str, dict[str, list[float]]] = {}
    with override_settings(
        ROOT_URLCONF="benchmarks.bench_metrics", PUBLIC_SCHEMA_URLCONF="benchmarks.bench_metrics"
    ):
        for view, url in (("trivial", "/bench/"), ("work", "/bench/work/")):
            calls = {}
            for side, handler in handlers.items():
                calls[side] = _caller(handler, host, url)
                status, _ = calls[side]()
                if status != 200:
                    raise SystemExit(f"{side} {url}: status {status}")
                run_batch(calls[side], 300)  # warm up
            rps: dict[str, list[float]] = {"metrics": [], "plain": []}
            for index in range(args.rounds):
                order = ["metrics", "plain"] if index % 2 == 0 else ["plain", "metrics"]
                for side in order:
                    rps[side].append(args.requests / run_batch(calls[side], args.requests))
            say(
                f"{view}: metrics {max(rps['metrics']):.0f} req/s, plain {max(rps['plain']):.0f} req/s (best)"
            )
            results[view] = rps

    # The instrumentation alone, around a view that does nothing, and per query.
    from django.test import RequestFactory

    from apps.core.metrics import RequestMetricsMiddleware, _QueryTimer

    request = RequestFactory().get("/bench/")
    request.resolver_match = resolve("/bench/", urlconf="benchmarks.bench_metrics")
    answered = HttpResponse("ok")
    instrumented = RequestMetricsMiddleware(lambda request: answered)
    middleware_us = min(_per_call_us(lambda: instrumented(request), 20000) for _ in range(5))
    timer = _QueryTimer()
    query_us = min(
        _per_call_us(lambda: timer(lambda *args: None, "SELECT 1", None, False, None), 20000)
        for _ in range(5)
    )

    timed_get_us = _per_call_us(lambda: cache._cache.get("bench-metrics-0", None), 5000)  # type: ignore[attr-defined]
    plain_get_us = _per_call_us(lambda: RedisCacheClient.get(cache._cache, "bench-metrics-0", None), 5000)  # type: ignore[attr-defined]

    rows: list[tuple[str, str]] = [
        ("mode", "multiprocess (mmap files)" if args.multiprocess else "single process"),
        ("rounds x requests per side", f"{args.rounds} x {args.requests} (interleaved, WSGIHandler)"),
    ]
    figures: dict[str, Any] = {"multiprocess": args.multiprocess}
    for view, rps in results.items():
        best = {side: max(values) for side, values in rps.items()}
        med = {side: median(values) for side, values in rps.items()}
        overhead_us = 1e6 / best["metrics"] - 1e6 / best["plain"]
        rows += [
            (f"{view}: req/s best with / without", f"{best['metrics']:.0f} / {best['plain']:.0f}"),
            (f"{view}: req/s median with / without", f"{med['metrics']:.0f} / {med['plain']:.0f}"),
            (f"{view}: added per request (best)", f"{overhead_us:.1f} us"),
        ]
        figures[f"{view}_overhead_us"] = overhead_us
        figures[f"{view}_rps_best"] = best
    rows.append(("middleware alone, no-op view", f"{middleware_us:.1f} us per request"))
    rows.append(("query timer alone", f"{query_us:.2f} us per query"))
    figures["middleware_alone_us"] = middleware_us
    figures["query_timer_us"] = query_us
    rows.append(("cache get timed / untimed", f"{timed_get_us:.1f} / {plain_get_us:.1f} us per call"))
    figures["cache_get_timed_us"] = timed_get_us
    figures["cache_get_untimed_us"] = plain_get_us
    report("metrics", rows, figures)


def _caller(handler: Any, host: str, url: str) -> Any:
    """A WSGI call of `url` on `host`, as bench_routing.make_caller makes for its one path."""
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": url,
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
        response = handler(environ, lambda *args: None)
        try:
            body = b"".join(response)
        finally:
            response.close()
        return response.status_code, body

    return call


if __name__ == "__main__":
    main()
