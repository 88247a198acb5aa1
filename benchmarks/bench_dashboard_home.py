"""The dashboard home with 100,000 orders in the store: p50/p95 ms and its query count.

- A fresh store `bench-dashboard-home` (a leftover of an interrupted run is dropped first).
- `--orders` (100,000) paid orders spread evenly over the last `--days` (365) days, and
  `--customers` (20,000) customers they belong to, inserted with one `INSERT ... SELECT
  generate_series` each (a template row made through the ORM is copied with a new number, uuid,
  payment time, total and customer), so setting up takes seconds, not the minutes the placement
  services would take; then `ANALYZE`.
- The daily aggregation (`apps.analytics.services.daily_aggregate_range`, what the hourly job and
  the `analytics_rebuild` command run) over every day before today, timed: the home page reads
  those rows, and only today live.
- `--requests` (50) GETs of the home page as the store's owner for each period (today, 7, 30 and
  90 days; the default is 30), after a warm-up request each; p50/p95 ms and the SQL statements of
  one request. The target is p95 <= 100 ms and <= 25 queries. Nothing asserts on time; a page
  that does not answer 200 exits 1.

    .venv/bin/python benchmarks/bench_dashboard_home.py [--orders 100000] [--requests 50] [--keep-store]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_merchant,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    percentile,
    report,
    say,
    verdict,
)

STORE_SLUG = "bench-dashboard-home"
TARGET_P95_MS = 100.0
TARGET_QUERIES = 25
PERIODS = ("today", "7", "30", "90")


def _copies(model: Any, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """`count` copies of one row of `model`, in one statement: every column as the template has
    it, except `overrides` (column -> SQL expression over `g`, the copy's number from 1)."""
    from django.db import connection

    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if field.column != "id"]
    values = [overrides.get(column, f't."{column}"') for column in columns]
    quoted = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(values)} '
            f'FROM "{table}" t, generate_series(1, %s) g WHERE t.id = %s',
            [count, template_pk],
        )


def _orders_insert(*, orders: int, customers: int, days: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.customers.models import Customer
    from apps.orders.models import Order, OrderNumberCounter
    from apps.orders.numbering import order_number_next
    from apps.stores.selectors import store_currency_get

    now = timezone.now()
    customer = Customer.objects.create(email="bench-template@example.com", full_name="Bench Customer")
    _copies(
        Customer,
        customer.pk,
        customers - 1,
        {"uuid": "gen_random_uuid()", "email": "'bench-' || g || '@example.com'"},
    )
    first_customer = customer.pk
    with transaction.atomic():  # the number is taken in the transaction that creates the order
        template = Order.objects.create(
            number=order_number_next(),
            status="paid",
            origin="draft",
            email="bench-template@example.com",
            currency=store_currency_get(),
            subtotal=Decimal("40.00"),
            total=Decimal("45.00"),
            amount_paid=Decimal("45.00"),
            paid_at=now,
            placed_at=now,
            customer=customer,
        )
    seconds = days * 24 * 3600
    # Order g is paid `g * seconds / orders` seconds ago: evenly over the period, the newest now.
    paid = f"'{now.isoformat()}'::timestamptz - make_interval(secs => (g::float8 * {seconds} / {orders}))"
    _copies(
        Order,
        template.pk,
        orders - 1,
        {
            "uuid": "gen_random_uuid()",
            "number": f"{template.number} + {orders} - g",  # the newest has the highest number
            "paid_at": paid,
            "placed_at": paid,
            "created_at": paid,
            "updated_at": paid,
            "total": "(10 + mod(g, 90))::numeric(12, 2)",
            "subtotal": "(10 + mod(g, 90))::numeric(12, 2)",
            "amount_paid": "(10 + mod(g, 90))::numeric(12, 2)",
            "customer_id": f"{first_customer} + mod(g, {customers})",
        },
    )
    with connection.cursor() as cursor:
        # Keep the store's order counter past the copied numbers (a later placement must not clash).
        cursor.execute("SELECT max(number) FROM orders_order")
        highest = cursor.fetchone()[0]
        cursor.execute(f'UPDATE "{OrderNumberCounter._meta.db_table}" SET last_number = %s', [highest])
        for table in ("orders_order", "customers_customer"):
            cursor.execute(f'ANALYZE "{table}"')


class QueryCounter:
    """Counts the statements the default connection executes (`connection.queries` is emptied
    at the start of every request, so it cannot be read after one)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _latencies(call: Any, count: int) -> list[float]:
    gc.collect()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"home answered {response.status_code}: {response.content[:300]!r}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365, help="the orders are spread over this many days")
    parser.add_argument("--requests", type=int, default=50, help="requests per period")
    parser.add_argument("--keep-store", action="store_true", help="keep the store (dropped at the next run)")
    parser.add_argument(
        "--today-cache-seconds",
        type=int,
        default=60,
        help="ANALYTICS_TODAY_CACHE_SECONDS while timing (production's default 60; 0 turns it off)",
    )
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.analytics.models import DailyStats
    from apps.analytics.selectors import store_today
    from apps.analytics.services import daily_aggregate_range
    from apps.orders.models import Order
    from apps.tenants.models import Tenant

    leftover = Tenant.objects.filter(slug=STORE_SLUG).first()
    if leftover is not None:
        say(f"dropped {bench_stores_drop([leftover])} leftover bench store")
    merchant, _owner = bench_merchant()
    tenant, _created = bench_store_ensure(STORE_SLUG, merchant=merchant)
    host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"
    try:
        with schema_context(tenant.schema_name):
            started = time.perf_counter()
            _orders_insert(orders=args.orders, customers=args.customers, days=args.days)
            insert_s = time.perf_counter() - started
            order_count = Order.objects.count()
            say(f"{order_count} orders and {args.customers} customers inserted in {insert_s:.1f}s")
            today = store_today()
            started = time.perf_counter()
            aggregated = daily_aggregate_range(
                start=today - timedelta(days=args.days), end=today - timedelta(days=1)
            )
            aggregate_s = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            say(
                f"aggregated {aggregated} days in {aggregate_s:.1f}s ({DailyStats.objects.count()} daily rows)"
            )
            owner = User.objects.create_user(
                "bench-home-owner@bench.invalid", "bench-password-1", is_staff=True, store_role="owner"
            )
            client = Client(HTTP_HOST=host)
            client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")

        rows: list[tuple[str, str]] = [
            ("orders in the store", f"{order_count:,}"),
            ("insert (SQL)", f"{insert_s:.1f} s"),
            (
                f"aggregation ({aggregated} days)",
                f"{aggregate_s:.1f} s ({aggregate_s * 1000 / aggregated:.0f} ms/day)",
            ),
        ]
        result: dict[str, Any] = {"orders": order_count, "aggregate_s": aggregate_s}
        worst_p95 = 0.0
        worst_queries = 0
        # Production's reuse of today's order figures (the test settings, which the benchmarks
        # run under, turn it off); --today-cache-seconds 0 measures without it.
        with override_settings(DEBUG=False, ANALYTICS_TODAY_CACHE_SECONDS=args.today_cache_seconds):
            for period in PERIODS:
                call = lambda period=period: client.get("/dashboard/", {"period": period})  # noqa: E731
                first = call()
                if first.status_code != 200 or b'id="figure-revenue"' not in first.content:
                    raise SystemExit(f"home ({period}): {first.status_code} {first.content[:300]!r}")
                counter = QueryCounter()
                with connection.execute_wrapper(counter):
                    call()
                queries = counter.count
                times = _latencies(call, args.requests)
                p50, p95 = percentile(times, 50), percentile(times, 95)
                worst_p95 = max(worst_p95, p95)
                worst_queries = max(worst_queries, queries)
                rows.append(
                    (
                        f"home, period={period}",
                        f"p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {max(times):.1f} ms  {queries} queries",
                    )
                )
                result[f"p50_ms_{period}"] = p50
                result[f"p95_ms_{period}"] = p95
                result[f"queries_{period}"] = queries
        with override_settings(DEBUG=False):
            # The dashboard shell alone (menu, header, billing banner) on a page of its own, for
            # scale: what the home adds is the difference.
            shell = lambda: client.get("/dashboard/activity/")  # noqa: E731
            shell()
            times = _latencies(shell, args.requests)
            rows.append(
                (
                    "shell only (/dashboard/activity/)",
                    f"p50 {percentile(times, 50):.1f} ms  p95 {percentile(times, 95):.1f} ms",
                )
            )
            result["p50_ms_shell"] = percentile(times, 50)
        rows.append(
            (
                "verdict",
                f"p95 {worst_p95:.1f} ms (target <= {TARGET_P95_MS:.0f}): {verdict(worst_p95 <= TARGET_P95_MS)}; "
                f"queries {worst_queries} (target <= {TARGET_QUERIES}): {verdict(worst_queries <= TARGET_QUERIES)}",
            )
        )
        result.update(p95_ms=worst_p95, queries=worst_queries)
        report("dashboard_home", rows, result)
    finally:
        if args.keep_store:
            say(f"kept {STORE_SLUG} (dropped at the next run)")
        else:
            say(f"dropped {bench_stores_drop([tenant])} bench store")


if __name__ == "__main__":
    main()
