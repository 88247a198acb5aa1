"""How long one store's export and restore take (apps.backups), for a store with ~1,000 products.

Makes the store ``bench-backup`` afresh (a leftover is dropped first): N products with two
variants each (bulk inserts), and M small media files (public and private). Then, median of R
runs each: `store_export` to a temporary .tar.gz, `store_restore --as-new` into
``bench-backup-copy`` (dropped after each run), and `store_restore --over` the store itself
(which includes its safety export); then the same over the store with an archive made one
migration earlier (the store's schema taken back one leaf migration for the export and brought
forward again: the restore unapplies it, loads the rows and applies it again). Prints seconds,
rows, archive size. Everything it creates
(both stores' schemas, rows and media folders) is removed at the end.

    .venv/bin/python benchmarks/bench_backup.py [--products 1000] [--files 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
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
    report,
    say,
)

SLUG = "bench-backup"
COPY_SLUG = "bench-backup-copy"


def _fill(products: int, files: int) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.catalog.models import Product, ProductVariant
    from apps.core.storage import private_storage

    for start in range(0, products, 500):
        batch = Product.objects.bulk_create(
            Product(
                title=f"Bench product {i}", handle=f"bench-{i}", status="active", description="<p>x</p>" * 20
            )
            for i in range(start, min(start + 500, products))
        )
        ProductVariant.objects.bulk_create(
            ProductVariant(product=p, sku=f"BB-{p.pk}-{v}", price=Decimal(10 + v))
            for p in batch
            for v in range(2)
        )
    for n in range(files):
        storage = default_storage if n % 4 else private_storage()
        storage.save(f"bench/file-{n}.bin", ContentFile(bytes([n % 256]) * 10_000))


def _media_dirs(schema: str) -> list[Path]:
    from django.conf import settings

    return [Path(settings.MEDIA_ROOT, schema), Path(settings.PRIVATE_MEDIA_ROOT, schema)]


def _drop(slugs: list[str]) -> None:
    from apps.tenants.models import Tenant

    tenants = list(Tenant.objects.filter(slug__in=slugs))
    for tenant in tenants:
        for folder in _media_dirs(tenant.schema_name):
            shutil.rmtree(folder, ignore_errors=True)
    bench_stores_drop(tenants)


def _leaf_migration() -> tuple[str, str]:
    """A migration of a store app that no other migration depends on (so it alone can be undone)."""
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    store_apps = {name.rsplit(".", 1)[-1] for name in settings.TENANT_APPS}
    return next(node for node in sorted(graph.leaf_nodes()) if node[0] in store_apps)


def _migration_step(schema: str, key: tuple[str, str], *, undo: bool) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django_tenants.utils import schema_context

    with schema_context(schema):
        executor = MigrationExecutor(connection)
        executor.migrate([], plan=[(executor.loader.graph.nodes[key], undo)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bootstrap()

    from django.conf import settings
    from django_tenants.utils import schema_context

    from apps.backups.services import store_export, store_restore

    if "FileSystem" not in settings.STORAGES["default"]["BACKEND"]:
        raise SystemExit("bench_backup cleans up local media folders; run it with filesystem storages")
    _drop([SLUG, COPY_SLUG])
    merchant, _user = bench_merchant()
    tenant, _created = bench_store_ensure(SLUG, merchant=merchant)
    with schema_context(tenant.schema_name):
        started = time.perf_counter()
        _fill(args.products, args.files)
        say(f"filled {args.products} products, {args.files} files in {time.perf_counter() - started:.1f}s")

    exports: list[float] = []
    as_new: list[float] = []
    over: list[float] = []
    across: list[float] = []
    leaf = _leaf_migration()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
            for run in range(args.runs):
                archive = Path(tmp) / f"run-{run}.tar.gz"
                started = time.perf_counter()
                result = store_export(tenant=tenant, destination=archive)
                exports.append(time.perf_counter() - started)

                started = time.perf_counter()
                store_restore(archive=archive, as_new=COPY_SLUG)
                as_new.append(time.perf_counter() - started)
                _drop([COPY_SLUG])

                started = time.perf_counter()
                store_restore(archive=archive, over=tenant, safety_dir=Path(tmp) / "safety")
                over.append(time.perf_counter() - started)

                _migration_step(tenant.schema_name, leaf, undo=True)
                older = Path(tmp) / f"run-{run}-older.tar.gz"
                store_export(tenant=tenant, destination=older)
                _migration_step(tenant.schema_name, leaf, undo=False)
                started = time.perf_counter()
                restored = store_restore(archive=older, over=tenant, safety_dir=Path(tmp) / "safety")
                across.append(time.perf_counter() - started)
                if restored.migrations_applied != 1:
                    raise SystemExit(f"expected 1 migration applied, got {restored.migrations_applied}")
                say(
                    f"run {run + 1}: export {exports[-1]:.2f}s, as new {as_new[-1]:.2f}s, over {over[-1]:.2f}s, "
                    f"over from before {'.'.join(leaf)} {across[-1]:.2f}s"
                )
    finally:
        _drop([SLUG, COPY_SLUG])

    report(
        "backup",
        [
            ("store", f"{args.products} products ({2 * args.products} variants), {args.files} media files"),
            ("archive", f"{result.tables} tables, {result.rows} rows, {result.size / 1e6:.2f} MB"),
            ("export (median)", f"{median(exports):.2f} s"),
            ("restore as new (median)", f"{median(as_new):.2f} s (clone of the template included)"),
            ("restore over (median)", f"{median(over):.2f} s (its safety export included)"),
            (
                "restore over, archive 1 migration older (median)",
                f"{median(across):.2f} s ({'.'.join(leaf)} unapplied and applied again)",
            ),
        ],
        {
            "products": args.products,
            "rows": result.rows,
            "archive_bytes": result.size,
            "export_s": median(exports),
            "restore_as_new_s": median(as_new),
            "restore_over_s": median(over),
            "restore_over_one_migration_older_s": median(across),
        },
    )


if __name__ == "__main__":
    main()
