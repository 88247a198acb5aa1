"""Server time of the storefront's pages in a store of 1,000 active products, in one process.

- Throughput: requests/s of the product page relative to a bare hello view on the same store
  host through the same middleware (`benchmarks.storefront_urls` = the store URLconf plus the
  hello view), in interleaved rounds; once with every fragment a cache miss (the store's
  catalog version bumped before each request) and once with fragment caching warm, for a
  first visit (no cookie: a CSRF secret is drawn for the page's forms; this is the side the
  target is checked on) and for a returning visitor (the CSRF cookie sent, the token only
  masked). The best round of each side is compared (noise only slows a round down).
- Latency: p50/p75/p95 of home, collection (pages 1-5) and product (20 products in turn)
  pages, uncached and cached, each request timed on its own.

Requests are raw WSGI calls into Django's WSGIHandler (no test-client overhead), anonymous, in
bounded loops; nothing here asserts on wall-clock time: figures and a verdict are printed.

Targets: product/hello >= 0.35 uncached and >= 0.7 cached; p75 < 45 ms on every page.

    .venv/bin/python benchmarks/bench_storefront.py [--products 1000] [--rounds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    median,
    percentile,
    report,
    say,
    verdict,
    wsgi_get,
)

STORE_SLUG = "bench-shop"
TARGET_UNCACHED = 0.35
TARGET_CACHED = 0.7
TARGET_P75_MS = 45.0
PRODUCT_SAMPLE = 20
COLLECTION_PAGES = 5

Call = Callable[[], tuple[int, bytes]]


def _catalog_ensure(products: int) -> tuple[list[str], str]:
    """The store's product handles (a sample) and its collection's handle; builds the catalog
    when the store has fewer products than asked for."""
    from apps.catalog.models import Collection, Product
    from tests.storefront_data import catalog_bulk_build, variants_bulk_add

    have = Product.objects.filter(status=Product.Status.ACTIVE).count()
    if have < products:
        if have:
            Product.objects.all().delete()
            Collection.objects.all().delete()
        started = time.perf_counter()
        built = catalog_bulk_build(products=products, prefix="bench")
        # A few products with a realistic variant matrix (sizes), the rest with one variant.
        for product in built.products[:PRODUCT_SAMPLE:4]:
            variants_bulk_add(product=product, count=6, location=built.location)
        say(f"built {products} products in {time.perf_counter() - started:.1f}s")
    _tables_analyze()
    handles = list(Product.objects.order_by("handle").values_list("handle", flat=True)[:PRODUCT_SAMPLE])
    collection = Collection.objects.order_by("pk").first()
    assert collection is not None
    return handles, collection.handle


def _tables_analyze() -> None:
    """ANALYZE the store's catalog and inventory tables, as autovacuum does in production soon
    after a bulk load. Without statistics (a server with autovacuum off, as on the development
    machine, or right after the build) the planner takes every table for empty and picks nested
    loops that make the listing's facet queries 3-9 times slower."""
    from django.apps import apps
    from django.db import connection

    tables = set()
    for label in ("catalog", "inventory"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'ANALYZE "{table}"')


class Rotating:
    """Requests `paths` in turn (query strings allowed), with `headers` (WSGI keys); `prime()`
    requests each once."""

    def __init__(
        self, handler: Any, host: str, paths: list[str], headers: dict[str, str] | None = None
    ) -> None:
        self.handler, self.host, self.headers = handler, host, headers
        self.paths = paths
        self.targets = [full.partition("?")[::2] for full in paths]
        self.next = 0

    def __call__(self) -> tuple[int, bytes]:
        path, query = self.targets[self.next % len(self.targets)]
        self.next += 1
        return _request(self.handler, self.host, path, query, self.headers)

    def prime(self) -> None:
        """Fill the fragment cache for every path (the cached runs start warm)."""
        for _ in self.targets:
            self()

    def first(self) -> tuple[int, bytes]:
        path, query = self.targets[0]
        return _request(self.handler, self.host, path, query, self.headers)


def _request(
    handler: Any, host: str, path: str, query: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    return wsgi_get(handler, host, path, query, headers)


def _uncached(call: Call, bump: Callable[[], Any]) -> Call:
    def run() -> tuple[int, bytes]:
        bump()
        return call()

    return run


def _batch(call: Call, count: int) -> float:
    gc.collect()
    started = time.perf_counter()
    for _ in range(count):
        status, body = call()
        if status != 200:
            raise SystemExit(f"got {status}: {body[:300]!r}")
    return time.perf_counter() - started


def _latencies(call: Call, count: int) -> list[float]:
    gc.collect()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = call()
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"got {status}: {body[:300]!r}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="requests per round and side")
    parser.add_argument("--samples", type=int, default=200, help="timed requests per page and mode")
    parser.add_argument("--keep-store", action="store_true", help="keep the bench-shop store afterwards")
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils.crypto import get_random_string
    from django_tenants.utils import schema_context

    from apps.storefront.caching import catalog_version_bump

    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"

    def bump() -> None:
        with schema_context(tenant.schema_name):
            catalog_version_bump()

    try:
        with schema_context(tenant.schema_name):
            handles, collection = _catalog_ensure(args.products)
        with override_settings(ROOT_URLCONF="benchmarks.storefront_urls", DEBUG=False):
            handler = WSGIHandler()
            pages: dict[str, Rotating] = {
                "home": Rotating(handler, host, ["/"]),
                "collection": Rotating(
                    handler,
                    host,
                    [f"/collections/{collection}/" + (f"?page={n}" if n > 1 else "") for n in range(1, 6)],
                ),
                "product": Rotating(handler, host, [f"/products/{handle}/" for handle in handles]),
            }
            hello = Rotating(handler, host, ["/bench/hello/"])
            status, body = hello()
            if status != 200 or body != b"hello":
                raise SystemExit(f"hello view: {status} {body[:200]!r}")
            for call in pages.values():  # correctness and warm-up
                _batch(call, 40)
                _batch(_uncached(call, bump), 10)

            queries: dict[str, tuple[int, int]] = {}
            for name, call in pages.items():  # the same URL: once a miss, once from the cache
                with CaptureQueriesContext(connection) as ctx:
                    _uncached(call.first, bump)()
                cold = len(ctx.captured_queries)
                with CaptureQueriesContext(connection) as ctx:
                    call.first()
                queries[name] = (cold, len(ctx.captured_queries))

            # A shopper's second page onwards: the browser sends the CSRF cookie its first page
            # set, so a cached page only masks the token (a first visit also draws a secret).
            returning = Rotating(
                handler,
                host,
                pages["product"].paths,
                {"HTTP_COOKIE": f"{settings.CSRF_COOKIE_NAME}={get_random_string(32, CSRF_ALLOWED_CHARS)}"},
            )
            sides: dict[str, Call] = {
                "hello": hello,
                "product uncached": _uncached(pages["product"], bump),
                "product cached": pages["product"],
                "product cached, returning": returning,
            }
            rps: dict[str, list[float]] = {side: [] for side in sides}
            for index in range(args.rounds):
                order = list(sides) if index % 2 == 0 else list(reversed(sides))
                for side in order:
                    if side.startswith("product cached"):
                        pages["product"].prime()  # the uncached side retired every fragment
                    rps[side].append(args.requests / _batch(sides[side], args.requests))
                say(
                    f"round {index + 1}/{args.rounds}: "
                    + ", ".join(f"{side} {rps[side][-1]:.0f} req/s" for side in sides)
                )

            latency: dict[tuple[str, str], list[float]] = {}
            for name, call in pages.items():
                latency[(name, "uncached")] = _latencies(_uncached(call, bump), args.samples)
                call.prime()
                latency[(name, "cached")] = _latencies(call, args.samples)
    finally:
        if created and not args.keep_store:
            say(f"dropped {bench_stores_drop([tenant])} bench store")

    best = {side: max(values) for side, values in rps.items()}
    ratio_uncached = best["product uncached"] / best["hello"]
    ratio_cached = best["product cached"] / best["hello"]
    ratio_returning = best["product cached, returning"] / best["hello"]
    p75_ok = all(percentile(times, 75) < TARGET_P75_MS for times in latency.values())
    rows = [
        ("store / products", f"{host} / {args.products} active"),
        ("rounds x requests per side", f"{args.rounds} x {args.requests} (interleaved, WSGIHandler)"),
    ]
    for side in sides:
        rows.append((f"{side} req/s best / median", f"{best[side]:.0f} / {median(rps[side]):.0f}"))
    rows += [
        ("ratio product/hello uncached (best)", f"{ratio_uncached:.3f}"),
        (f"target >= {TARGET_UNCACHED:g}", verdict(ratio_uncached >= TARGET_UNCACHED)),
        ("ratio product/hello cached (best)", f"{ratio_cached:.3f}"),
        (f"target >= {TARGET_CACHED:g}", verdict(ratio_cached >= TARGET_CACHED)),
        ("ratio cached, returning visitor (best)", f"{ratio_returning:.3f}"),
    ]
    for (name, mode), times in latency.items():
        rows.append(
            (
                f"{name} {mode} ms p50 / p75 / p95",
                f"{percentile(times, 50):.1f} / {percentile(times, 75):.1f} / {percentile(times, 95):.1f}",
            )
        )
    rows.append((f"target p75 < {TARGET_P75_MS:g} ms (all)", verdict(p75_ok)))
    for name, (cold, warm) in queries.items():
        rows.append((f"{name} queries uncached / cached", f"{cold} / {warm}"))
    result: dict[str, Any] = {
        "hello_rps_best": best["hello"],
        "product_uncached_rps_best": best["product uncached"],
        "product_cached_rps_best": best["product cached"],
        "ratio_uncached": ratio_uncached,
        "ratio_cached": ratio_cached,
        "ratio_cached_returning": ratio_returning,
    }
    for (name, mode), times in latency.items():
        result[f"{name}_{mode}_p75_ms"] = percentile(times, 75)
        result[f"{name}_{mode}_p95_ms"] = percentile(times, 95)
    result["target_met"] = ratio_uncached >= TARGET_UNCACHED and ratio_cached >= TARGET_CACHED and p75_ok
    report("storefront", rows, result)


if __name__ == "__main__":
    main()
