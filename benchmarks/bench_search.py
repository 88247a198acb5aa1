"""Product search over 10,000 products: p50/p95 latency, and query counts at 10 vs 1,000.

Keeps a bench store ``bench-search`` with 10,000 products (made once with bulk inserts, then
reused) and runs a fixed mix of queries through `apps.catalog.selectors.product_list` exactly
as the dashboard does (first page of 50 rows with price range, variant count, stock and
images), timing each. Target: p95 <= 50 ms. Also counts the SQL queries of the list and of a
search in a store with 10 products and one with 1,000 (target: equal).

    .venv/bin/python benchmarks/bench_search.py [--products 10000] [--rounds 3]
    .venv/bin/python benchmarks/bench_search.py --cleanup
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_merchant,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    median,
    percentile,
    report,
    say,
    verdict,
)

TARGET_P95_MS = 50.0
ADJECTIVES = ["classic", "organic", "recycled", "vintage", "premium", "urban", "coastal", "alpine", "minimal", "rugged",
              "soft", "bold", "slim", "cozy", "sporty", "smart", "wireless", "magnetic", "ceramic", "bamboo"]  # fmt: skip
NOUNS = ["hoodie", "t-shirt", "cap", "mug", "lamp", "charger", "earbuds", "cable", "case", "backpack", "bottle",
         "sneakers", "jacket", "scarf", "watch", "speaker", "notebook", "candle", "blanket", "wallet"]  # fmt: skip
MATERIALS = ["cotton", "linen", "wool", "leather", "steel", "glass", "silicone", "oak", "hemp", "nylon"]
VENDORS = ["Northwind", "Acme", "Globex", "Initech", "Umbrella", "Hooli"]
QUERIES = [
    "hoodie", "cotton hoodie", "wireless earbuds", "leather wallet", "ceramic mug", "organic", "alpine jacket",
    "steel bottle", "charger", "acme", "vintage leather", '"smart watch"', "cap -cotton", "hodie", "wirless",
    "backpak", "ceramc mug", "nothing-matches-this", "bamboo", "cozy blanket",
]  # fmt: skip


def _fill(count: int, prefix: str) -> None:
    from apps.catalog.models import Product, ProductVariant
    from apps.catalog.services import product_search_vector_refresh

    existing = Product.objects.count()
    if existing >= count:
        return
    rng = random.Random(42 + existing)
    say(f"creating {count - existing} products (bulk)")
    for start in range(existing, count, 1000):
        batch = Product.objects.bulk_create(
            Product(
                title=f"{rng.choice(ADJECTIVES).title()} {rng.choice(MATERIALS).title()} {rng.choice(NOUNS).title()}",
                handle=f"{prefix}-{i}",
                status="active",
                vendor=rng.choice(VENDORS),
                product_type=rng.choice(NOUNS),
                tags=rng.sample(["new", "sale", "gift", "eco", "bestseller"], 2),
                description=f"<p>{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} made of {rng.choice(MATERIALS)}</p>",
            )
            for i in range(start, min(start + 1000, count))
        )
        ProductVariant.objects.bulk_create(
            ProductVariant(product=p, sku=f"{prefix}-{p.pk}-{v}", price=Decimal(rng.randint(5, 200)))
            for p in batch
            for v in range(2)
        )
        product_search_vector_refresh(product_ids=[p.pk for p in batch])


def _page(query: str) -> int:
    from apps.catalog.selectors import ProductFilters, product_list

    rows = list(product_list(filters=ProductFilters(query=query))[:50])
    for row in rows:
        _ = [getattr(row, name) for name in ("price_min", "variant_count", "stock_available")]
        _ = list(row.images.all())
    return len(rows)


def _query_count(query: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _page(query)  # warm
    with CaptureQueriesContext(connection) as captured:
        _page(query)
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cleanup", action="store_true")
    args = parser.parse_args()
    bootstrap()
    from django_tenants.utils import schema_context

    from apps.tenants.models import Tenant

    if args.cleanup:
        say(f"dropped {bench_stores_drop(Tenant.objects.filter(slug__startswith='bench-search'))} stores")
        return
    merchant, _user = bench_merchant()
    big, _ = bench_store_ensure("bench-search", merchant=merchant)
    small, _ = bench_store_ensure("bench-search-10", merchant=merchant)
    mid, _ = bench_store_ensure("bench-search-1k", merchant=merchant)
    with schema_context(small.schema_name):
        _fill(10, "s")
    with schema_context(mid.schema_name):
        _fill(1000, "m")
    with schema_context(big.schema_name):
        _fill(args.products, "b")
        for query in QUERIES:  # warm caches and plans
            _page(query)
        timings: list[float] = []
        hits: dict[str, int] = {}
        for _round in range(args.rounds):
            for query in QUERIES:
                started = time.perf_counter()
                hits[query] = _page(query)
                timings.append((time.perf_counter() - started) * 1000)
    counts = {}
    for label, tenant in (("10", small), ("1000", mid)):
        with schema_context(tenant.schema_name):
            counts[label] = (_query_count(""), _query_count("cotton hoodie"), _query_count("hodie"))
    p50, p95 = median(timings), percentile(timings, 95)
    ok = p95 <= TARGET_P95_MS and counts["10"] == counts["1000"]
    rows = [
        ("products searched", f"{args.products}"),
        ("queries timed", f"{len(timings)} ({len(QUERIES)} distinct x {args.rounds} rounds)"),
        ("latency p50 / p95 / max", f"{p50:.1f} / {p95:.1f} / {max(timings):.1f} ms"),
        (f"target p95 <= {TARGET_P95_MS:.0f} ms", verdict(p95 <= TARGET_P95_MS)),
        ("queries list/search/typo @10", " / ".join(map(str, counts["10"]))),
        ("queries list/search/typo @1000", " / ".join(map(str, counts["1000"]))),
        ("query counts equal", verdict(counts["10"] == counts["1000"])),
        ("hits (first page)", ", ".join(f"{q}={n}" for q, n in list(hits.items())[:8]) + ", ..."),
    ]
    report(
        "search",
        rows,
        {
            "products": args.products,
            "p50_ms": p50,
            "p95_ms": p95,
            "list_queries_10": counts["10"][0],
            "list_queries_1000": counts["1000"][0],
            "search_queries_10": counts["10"][1],
            "search_queries_1000": counts["1000"][1],
            "target_met": ok,
        },
    )


if __name__ == "__main__":
    main()
