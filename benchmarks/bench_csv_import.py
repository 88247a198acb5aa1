"""Rows/s and peak memory of the product CSV import: a 10,000-row file (2,500 products x 4
variants, every column filled) imported into a bench store, first creating every product, then
again updating every product.

Each import goes through `product_import_start` as the dashboard calls it; with eager Celery
(config.settings.test) the import task runs in this process when the start commits, so the figure
is the whole job: saving the upload, checking every row, the chunked writes, the search-vector
refresh and publishing the 2,500 `product.*` events. As in production, each event's
`event_dispatch` message is published to the Celery broker (Redis; here to a queue of this run's
own that no worker reads, deleted at the end): dispatching them is the events worker's job, not
the import's. A third import (creating) dispatches the events inline instead, as eager Celery
does in development without Redis and in the tests, and is reported beside the others. A last
import (creating) runs under tracemalloc for the Python heap peak; it is not timed, since
tracing slows Python down.

Target: creating >= 500 rows/s (events published to the broker).

    .venv/bin/python benchmarks/bench_csv_import.py [--products 2500] [--variants 4] [--keep-store]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import bench_store_ensure, bench_stores_drop, bootstrap, report, say, verdict

TARGET_ROWS_PER_S = 500
STORE_SLUG = "bench-csv"
HANDLE_PREFIX = "bench-p-"
SIZES = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"]
COLOURS = ["Black", "White", "Navy", "Red", "Green"]


def make_csv(products: int, variants: int) -> bytes:
    from apps.catalog.bulk import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(products):
        for v in range(variants):
            row = {
                "handle": f"{HANDLE_PREFIX}{n:05d}",
                "option1_value": SIZES[v % len(SIZES)],
                "option2_value": COLOURS[(v // len(SIZES)) % len(COLOURS)],
                "sku": f"BENCH-{n:05d}-{v:02d}",
                "price": f"{19 + n % 50}.{v * 7 % 100:02d}",
                "compare_at_price": f"{39 + n % 50}.00",
                "cost": f"{7 + n % 20}.50",
                "weight_grams": str(150 + v * 10),
                "barcode": f"40{n:06d}{v:04d}",
            }
            if v == 0:
                row.update(
                    {
                        "title": f"Bench product {n} organic cotton tee",
                        "description": f"<p>Soft <b>organic</b> cotton, product {n}.</p><ul><li>Fair</li></ul>",
                        "status": "active" if n % 3 else "draft",
                        "vendor": f"Vendor {n % 40}",
                        "product_type": "T-shirts",
                        "tags": f"cotton, summer, batch-{n % 10}",
                        "category": f"bench-clothing/bench-tees-{n % 8}",
                        "seo_title": f"Tee {n}",
                        "seo_description": "An organic cotton tee.",
                        "option1_name": "Size",
                        "option2_name": "Colour",
                    }
                )
            writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue().encode()


def clean() -> dict[str, int]:
    """Remove what the imports made in the bench store: products, categories, runs, events."""
    from apps.catalog.models import Category, ImportRun, Product
    from apps.core.models import EventRecord

    # delete() counts every row it removed: products with their variants, options, values, links.
    removed = {"catalog_rows": Product.objects.filter(handle__startswith=HANDLE_PREFIX).delete()[0]}
    for run in ImportRun.objects.filter(kind=ImportRun.Kind.PRODUCT_CSV):
        if run.file:
            run.file.delete(save=False)
    removed["runs"] = ImportRun.objects.filter(kind=ImportRun.Kind.PRODUCT_CSV).delete()[0]
    removed["categories"] = 0
    bench_categories = Category.objects.filter(slug__startswith="bench-")
    for depth in sorted(set(bench_categories.values_list("depth", flat=True)), reverse=True):
        removed["categories"] += bench_categories.filter(depth=depth).delete()[0]  # children first
    removed["events"] = EventRecord.objects.filter(name__startswith="product.").delete()[0]
    return removed


class EventsToBroker:
    """While active, `event_dispatch` messages are published to the broker as in production
    (eager Celery would run them inline), to a queue of their own that no worker consumes; the
    queue is deleted on exit. Returns how many were published."""

    def __init__(self) -> None:
        self.queue = f"bench-csv-events-{os.getpid()}"
        self.published = 0
        self.active = False

    def install(self) -> None:
        from apps.core.tasks import event_dispatch
        from config.celery import app

        def publish(args: Any = None, kwargs: Any = None, **options: Any) -> Any:
            if not self.active:
                return original(args=args, kwargs=kwargs, **options)
            self.published += 1
            return app.send_task(event_dispatch.name, args=args, kwargs=kwargs, queue=self.queue, **options)

        original = event_dispatch.apply_async
        setattr(event_dispatch, "apply_async", publish)  # noqa: B010 - a patch, not an attribute

    def delete_queue(self) -> int:
        from kombu import Exchange, Queue

        from config.celery import app

        with app.connection_for_write() as conn:
            queue = Queue(self.queue, Exchange(self.queue), routing_key=self.queue)(conn.default_channel)
            queue.declare()  # the channel learns the binding, so delete() removes it from Redis too
            purged = queue.purge() or 0
            queue.delete()
        return int(purged)


class Phases:
    """Wall time spent checking the rows and writing the chunks (the rest is the upload,
    reading and decoding the file, and the event dispatch after each chunk's commit)."""

    def __init__(self) -> None:
        self.seconds = {"check": 0.0, "write": 0.0}

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started

        setattr(owner, name, timed)

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)


def run_import(data: bytes) -> tuple[float, Any]:
    """Seconds of `product_import_start` (which runs the eager import task on commit), and the run."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.catalog.bulk import product_import_start
    from apps.catalog.models import ImportRun

    gc.collect()
    started = time.perf_counter()
    run = product_import_start(
        upload=SimpleUploadedFile("bench.csv", data, content_type="text/csv"),
        policy=ImportRun.Policy.ALL_OR_NOTHING,
        actor=None,
    )
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    if run.status != ImportRun.Status.SUCCEEDED:
        problems = [(e.row, e.column, e.message) for e in run.row_errors.all()[:10]]
        raise SystemExit(f"import {run.status}: {run.failure_reason} {problems}")
    return seconds, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2500)
    parser.add_argument("--variants", type=int, default=4, help="variants (rows) per product, at most 40")
    parser.add_argument("--keep-store", action="store_true", help="keep the bench store at the end")
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from apps.catalog import bulk
    from apps.core.tenancy import tenant_connection

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        raise SystemExit("run with eager Celery (config.settings.test) so the import runs in this process")
    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    phases = Phases()
    phases.wrap(bulk, "_plan", "check")
    phases.wrap(bulk.ProductWriter, "write", "write")
    events = EventsToBroker()
    events.install()
    # Publishing is what this run wants, eager Celery or not.
    warnings.filterwarnings("ignore", message=".*task_always_eager has no effect on send_task")

    data = make_csv(args.products, args.variants)
    rows = args.products * args.variants
    say(f"file: {rows} rows, {args.products} products, {len(data) / 1e6:.2f} MB")
    say(f"events published to {settings.CELERY_BROKER_URL.split('@')[-1]}, queue {events.queue}")
    figures: dict[str, dict[str, float]] = {}

    def timed(label: str, *, expected: tuple[int, int], to_broker: bool) -> None:
        phases.reset()
        events.active = to_broker
        try:
            seconds, run = run_import(data)
        finally:
            events.active = False
        if (run.created_count, run.updated_count) != expected:
            raise SystemExit(f"{label}: expected {expected}, got {run.created_count}/{run.updated_count}")
        other = seconds - phases.seconds["check"] - phases.seconds["write"]
        figures[label] = {"seconds": seconds, "rows_per_s": rows / seconds, "other": other, **phases.seconds}
        say(
            f"{label}: {seconds:.2f}s, {rows / seconds:.0f} rows/s (check {phases.seconds['check']:.2f}s, "
            f"write {phases.seconds['write']:.2f}s, rest {other:.2f}s)"
        )

    try:
        with tenant_context(tenant):
            leftovers = clean()
            if any(leftovers.values()):
                say(f"removed leftovers of an earlier run: {leftovers}")
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            timed("create", expected=(args.products, 0), to_broker=True)
            timed("update", expected=(0, args.products), to_broker=True)
            clean()
            timed("create_eager", expected=(args.products, 0), to_broker=False)
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            clean()
            events.active = True
            tracemalloc.start()
            run_import(data)
            _current, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            events.active = False
            traced_mb = traced_peak / 1024 / 1024
            say(f"tracemalloc peak of one create import: {traced_mb:.1f} MB")
            removed = clean()
            say(f"cleaned up: {removed}")
    finally:
        events.active = False
        say(f"{events.published} event messages published; {events.delete_queue()} purged with their queue")
        tenant_connection().set_schema_to_public()
        if created and not args.keep_store:
            bench_stores_drop([tenant])
            say(f"store {STORE_SLUG} dropped")

    create, update, eager = figures["create"], figures["update"], figures["create_eager"]
    ok = create["rows_per_s"] >= TARGET_ROWS_PER_S
    report(
        "csv_import",
        [
            (
                "file",
                f"{rows} rows = {args.products} products x {args.variants} variants, {len(data) / 1e6:.2f} MB",
            ),
            ("chunk", f"{settings.CATALOG_IMPORT_CHUNK_ROWS} rows per transaction"),
            (
                "create (all new)",
                f"{create['seconds']:.2f} s = {create['rows_per_s']:.0f} rows/s "
                f"(checking {create['check']:.2f} s, writing {create['write']:.2f} s)",
            ),
            (
                "update (all existing)",
                f"{update['seconds']:.2f} s = {update['rows_per_s']:.0f} rows/s "
                f"(checking {update['check']:.2f} s, writing {update['write']:.2f} s)",
            ),
            (
                "create, events inline",
                f"{eager['seconds']:.2f} s = {eager['rows_per_s']:.0f} rows/s "
                f"(eager Celery runs the {args.products} event dispatches in the import: {eager['other']:.2f} s)",
            ),
            ("peak Python heap", f"{traced_mb:.1f} MB (tracemalloc, one create import)"),
            ("peak RSS", f"{rss_after:.0f} MB (ru_maxrss; {rss_before:.0f} MB before the imports)"),
            ("target", f"create >= {TARGET_ROWS_PER_S} rows/s: {verdict(ok)}"),
        ],
        {
            "rows": rows,
            "rows_per_s": round(create["rows_per_s"], 1),
            "update_rows_per_s": round(update["rows_per_s"], 1),
            "eager_rows_per_s": round(eager["rows_per_s"], 1),
            "seconds": create["seconds"],
            "peak_mb": round(traced_mb, 1),
            "maxrss_mb": round(rss_after, 1),
            "target_met": ok,
        },
    )


if __name__ == "__main__":
    main()
