"""How long `manage.py migrate_all` takes when there is nothing to apply, with 200 stores.

Makes sure 200 bench stores exist (subdomains ``bench-m-000`` .. ``bench-m-199``, made directly:
Tenant + Domain rows, active, schema cloned from the template with `tenant.create_schema`).
They are kept between runs, so only missing ones are created (the first run takes a minute
or more). Then runs `migrate_all` 3 times and reports the seconds of each run, seconds per
store and how many stores it skipped as current. Target: <= 0.2 s per store.

    .venv/bin/python benchmarks/bench_migrate_noop.py [--stores 200] [--runs 3]
    .venv/bin/python benchmarks/bench_migrate_noop.py --cleanup   # drop the bench-m-* stores
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    catalog_analyze,
    median,
    migrate_all,
    report,
    say,
    verdict,
)

TARGET_SECONDS_PER_STORE = 0.2
SLUG_PREFIX = "bench-m-"
SUMMARY_RE = re.compile(
    r"stores: (?P<stores>\d+) checked in (?P<check>[\d.]+)s, (?P<migrated>\d+) migrated "
    r"\((?P<current>\d+) already current\)"
)


def slugs(count: int) -> list[str]:
    return [f"{SLUG_PREFIX}{index:03d}" for index in range(count)]


def stores_ensure(count: int) -> int:
    """Create the missing bench-m stores (rows and/or schema); returns how many were made."""
    from django.db import connection

    from apps.tenants.models import Tenant

    wanted = slugs(count)
    existing = {t.slug: t for t in Tenant.objects.filter(slug__in=wanted)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
            [[t.schema_name for t in existing.values()]],
        )
        present = {row[0] for row in cursor.fetchall()}
    complete = {slug for slug, t in existing.items() if t.schema_name in present and t.is_serving}
    missing = [slug for slug in wanted if slug not in complete]
    if not missing:
        return 0
    say(f"creating {len(missing)} of {count} bench stores (kept for later runs)")
    started = time.perf_counter()
    for done, slug in enumerate(missing, 1):
        bench_store_ensure(slug)
        if done % 25 == 0 or done == len(missing):
            elapsed = time.perf_counter() - started
            say(f"  {done}/{len(missing)} in {elapsed:.0f}s ({elapsed / done:.2f}s each)")
    return len(missing)


def cleanup() -> None:
    from apps.tenants.models import Tenant

    doomed = list(Tenant.objects.filter(slug__startswith=SLUG_PREFIX))
    say(f"dropped {bench_stores_drop(doomed)} {SLUG_PREFIX}* bench stores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cleanup", action="store_true", help=f"drop the {SLUG_PREFIX}* stores and exit")
    args = parser.parse_args()

    if args.cleanup:
        bootstrap(migrate=False)
        cleanup()
        return
    bootstrap()
    created = stores_ensure(args.stores)
    catalog_analyze()  # as autovacuum would in production after the stores were made
    if created:
        migrate_all()  # anything left behind by an interrupted run is brought current here

    runs = []
    for index in range(args.runs):
        seconds, output = migrate_all()
        match = SUMMARY_RE.search(output)
        if match is None:
            raise SystemExit(f"could not read migrate_all's summary from: {output!r}")
        runs.append((seconds, {key: float(value) for key, value in match.groupdict().items()}))
        say(f"run {index + 1}/{args.runs}: {seconds:.2f}s")

    totals = [seconds for seconds, _ in runs]
    last = runs[-1][1]
    stores = int(last["stores"])
    total_median = median(totals)
    per_store = total_median / stores if stores else 0.0
    check_median = median([summary["check"] for _, summary in runs])
    migrated = int(max(summary["migrated"] for _, summary in runs))
    skipped = int(last["current"])
    rows = [
        ("stores in the database", f"{stores} ({args.stores} bench-m, {created} created this run)"),
        ("migrate_all runs (s)", ", ".join(f"{t:.2f}" for t in totals)),
        ("migrate_all median", f"{total_median:.2f} s"),
        ("  of which checking stores", f"{check_median:.2f} s (median, as migrate_all reports it)"),
        ("seconds per store", f"{per_store:.4f} s"),
        ("stores skipped as current", f"{skipped} of {stores} (migrated: {migrated})"),
        (
            f"target <= {TARGET_SECONDS_PER_STORE:g} s per store",
            verdict(per_store <= TARGET_SECONDS_PER_STORE),
        ),
    ]
    report(
        "migrate_noop",
        rows,
        {
            "stores": stores,
            "created": created,
            "runs": len(totals),
            "total_median_s": total_median,
            "total_min_s": min(totals),
            "total_max_s": max(totals),
            "check_median_s": check_median,
            "per_store_s": per_store,
            "skipped": skipped,
            "migrated": migrated,
            "target_per_store_s": TARGET_SECONDS_PER_STORE,
            "target_met": per_store <= TARGET_SECONDS_PER_STORE and migrated == 0,
        },
    )


if __name__ == "__main__":
    main()
