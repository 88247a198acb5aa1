"""Added server time per storefront page view from recording visits (apps.analytics).

- A/B: the same storefront page (home, served from the whole-page cache: the cheapest page,
  where a fixed cost shows most; and a product page rendered each time) through two
  WSGIHandlers, one with `VisitRecordMiddleware` in MIDDLEWARE and one without, in interleaved
  rounds. The added time is the difference of the best rounds of each side (noise from other
  processes only slows a round down; on a loaded machine single rounds differ by +-2 ms either
  way, so the medians are printed too but not judged).
- Direct: what the middleware does for one counted request (`visit_record` + `visit_push`:
  session key, traffic source, one RPUSH), timed over many calls: the same figure without the
  page's noise around it.
- Flush: the per-store job moving the queued records into the raw table (records/s).

Requests are raw WSGI calls into Django's WSGIHandler (no test-client overhead), anonymous,
with a browser's user agent so that they are counted. Nothing asserts on wall-clock time:
figures and a verdict are printed. Target: added time <= 1 ms per page view.

    .venv/bin/python benchmarks/bench_analytics.py [--rounds 7] [--requests 300] [--calls 5000]
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import bench_store_ensure, bench_stores_drop, bootstrap, median, report, say, verdict

STORE_SLUG = "bench-analytics"
MIDDLEWARE = "apps.analytics.middleware.VisitRecordMiddleware"
TARGET_MS = 1.0
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _ignore_start(*args: Any, **kwargs: Any) -> Any:
    return None


def _environ(host: str, path: str, address: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_USER_AGENT": BROWSER,
        "HTTP_REFERER": "https://www.example.org/some/article",
        "REMOTE_ADDR": address,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _batch(handler: Any, host: str, path: str, count: int) -> float:
    """Seconds per request over `count` requests (each from its own address)."""
    gc.collect()
    started = time.perf_counter()
    for index in range(count):
        response = handler(_environ(host, path, f"198.51.{index // 250}.{index % 250}"), _ignore_start)
        try:
            b"".join(response)
        finally:
            response.close()
        if response.status_code != 200:
            raise SystemExit(f"{path}: got {response.status_code}")
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=150, help="requests per round and side")
    parser.add_argument("--calls", type=int, default=5000, help="direct recording calls timed")
    parser.add_argument("--keep-store", action="store_true", help="keep the bench-analytics store afterwards")
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory
    from django.test.utils import override_settings
    from django.urls import resolve
    from django_tenants.utils import schema_context

    from apps.analytics.middleware import visit_record
    from apps.analytics.models import Visit
    from apps.analytics.recording import visit_push, visits_pending
    from apps.analytics.services import visits_flush
    from apps.catalog.models import Product
    from apps.catalog.tests.factories import make_product

    if MIDDLEWARE not in settings.MIDDLEWARE:
        raise SystemExit(f"{MIDDLEWARE} is not in MIDDLEWARE")
    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"
    try:
        with schema_context(tenant.schema_name):
            product = Product.objects.filter(title="Bench tote").first() or make_product(title="Bench tote")
            handle = product.handle
        pages = {"home (page cache hit)": "/", "product (page cache hit)": f"/products/{handle}/"}
        with_recording = WSGIHandler()
        with override_settings(MIDDLEWARE=[name for name in settings.MIDDLEWARE if name != MIDDLEWARE]):
            without_recording = WSGIHandler()
        sides = {"with": with_recording, "without": without_recording}
        for handler in sides.values():  # warm-up, fills the page cache
            for path in pages.values():
                _batch(handler, host, path, 30)

        added: dict[str, list[float]] = {name: [] for name in pages}
        per_request: dict[tuple[str, str], list[float]] = {}
        for index in range(args.rounds):
            for name, path in pages.items():
                order = list(sides) if index % 2 == 0 else list(reversed(sides))
                timed = {side: _batch(sides[side], host, path, args.requests) for side in order}
                for side, seconds in timed.items():
                    per_request.setdefault((name, side), []).append(seconds * 1000)
                added[name].append((timed["with"] - timed["without"]) * 1000)
            say(
                f"round {index + 1}/{args.rounds}: " + ", ".join(f"{n} +{added[n][-1]:.3f} ms" for n in pages)
            )

        # the middleware's own work, timed directly
        factory = RequestFactory(
            HTTP_HOST=host, HTTP_USER_AGENT=BROWSER, HTTP_REFERER="https://news.example/"
        )
        with schema_context(tenant.schema_name):
            request = factory.get("/")
            request.resolver_match = resolve("/", urlconf=settings.ROOT_URLCONF)
            response = with_recording(_environ(host, "/", "192.0.2.1"), _ignore_start)
            response.close()
            gc.collect()
            started = time.perf_counter()
            for _ in range(args.calls):
                record = visit_record(request, response)
                assert record is not None
                visit_push(record)
            direct_ms = (time.perf_counter() - started) * 1000 / args.calls

            pending = visits_pending()
            started = time.perf_counter()
            written = visits_flush()["written"]
            flush_seconds = time.perf_counter() - started
            Visit.objects.all().delete()
    finally:
        if created and not args.keep_store:
            say(f"dropped {bench_stores_drop([tenant])} bench store")

    best_added = {
        name: min(per_request[(name, "with")]) - min(per_request[(name, "without")]) for name in pages
    }
    worst = max(best_added.values())
    rows = [("store", host), ("rounds x requests per side", f"{args.rounds} x {args.requests} (interleaved)")]
    for name in pages:
        rows.append(
            (
                f"{name} ms/request best without / with",
                f"{min(per_request[(name, 'without')]):.3f} / {min(per_request[(name, 'with')]):.3f}",
            )
        )
        rows.append(
            (
                f"{name} added ms best rounds (median of rounds)",
                f"{best_added[name]:.3f} ({median(added[name]):.3f})",
            )
        )
    rows += [
        ("recording alone ms per page view", f"{direct_ms:.4f} ({args.calls} calls)"),
        (
            "flush",
            f"{written} of {pending} queued records in {flush_seconds:.2f}s ({written / max(flush_seconds, 1e-9):.0f}/s)",
        ),
        (f"target added <= {TARGET_MS:g} ms", verdict(worst <= TARGET_MS and direct_ms <= TARGET_MS)),
    ]
    result: dict[str, Any] = {
        "added_ms_home": best_added["home (page cache hit)"],
        "added_ms_product": best_added["product (page cache hit)"],
        "recording_ms": direct_ms,
        "flush_records_per_s": written / max(flush_seconds, 1e-9),
        "target_met": worst <= TARGET_MS and direct_ms <= TARGET_MS,
    }
    report("analytics", rows, result)


if __name__ == "__main__":
    main()
