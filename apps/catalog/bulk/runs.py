"""Running a product CSV import: starting it (the upload checked, kept privately, queued) and
the run itself, in two phases.

First every row is parsed and checked, against the rest of the file and against the store
(`parsing`, `checks`); every problem is recorded on the run with its row, column, code and
parameters. A file that cannot be read as a product CSV at all fails the run before anything is
written. Then, according to the run's policy, whole products are written in chunks, one
transaction per chunk (`writer`), and the run's progress is saved with every chunk.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.billing.limits import Limit, PlanLimitReached, store_limit_check
from apps.catalog.bulk.checks import plan as plan_file
from apps.catalog.bulk.checks import problems_sort, skip_notes
from apps.catalog.bulk.parsing import (
    IMPORT_HEAD_BYTES,
    ImportFileError,
    PlannedProduct,
    binary_reason,
    decode,
    table,
)
from apps.catalog.bulk.writer import ProductWriter
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import ImportRun
from apps.catalog.services.imports import (
    ImportProblem,
    import_run_claim,
    import_run_create,
    import_run_finish,
    import_run_problems_add,
    import_run_progress,
)
from apps.core.tenancy import current_schema, in_store

logger = logging.getLogger(__name__)
MEGABYTE = 1024 * 1024


# ------------------------------------------------------------------------------
# starting an import
# ------------------------------------------------------------------------------
def product_import_start(*, upload: UploadedFile, policy: str, actor: User | None) -> ImportRun:
    """Check the upload looks like a product CSV, keep it in the store's private storage and
    queue the import; the returned run is PENDING until the worker picks it up after commit."""
    from apps.catalog.tasks import product_import_task

    if not in_store():
        raise RuntimeError("Imports belong to a store; start them inside a tenant context.")
    policy = policy or ImportRun.Policy.ALL_OR_NOTHING
    if policy not in ImportRun.Policy.values:
        raise CatalogError(CatalogErrorCode.IMPORT_POLICY, {"policy": policy[:40]}, field="policy")
    _upload_check(upload)
    with transaction.atomic():
        # A random name inside the store's private prefix ("<schema>/imports/<uuid>.csv"); the
        # merchant's file name is kept in `source_name` for display only.
        run = import_run_create(
            kind=ImportRun.Kind.PRODUCT_CSV,
            policy=policy,
            source_name=getattr(upload, "name", "") or "",
            upload=upload,
            actor=actor,
        )
        run_id, schema = run.pk, current_schema()
        # The commit may happen after the caller left the store's context, so the schema is
        # fixed now (as event_emit does).
        transaction.on_commit(
            lambda: product_import_task.apply_async(args=(run_id,), headers={"_schema_name": schema})
        )
    return run


def _upload_check(upload: UploadedFile) -> None:
    size = upload.size or 0
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    if size == 0:
        raise CatalogError(CatalogErrorCode.IMPORT_EMPTY, field="file")
    if size > limit:
        raise CatalogError(
            CatalogErrorCode.IMPORT_TOO_LARGE,
            {"size": round(size / MEGABYTE, 1), "limit": limit // MEGABYTE},
            field="file",
        )
    upload.seek(0)
    head = upload.read(IMPORT_HEAD_BYTES)
    upload.seek(0)
    reason = binary_reason(head)
    if reason is None:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            reason = "encoding"
    if reason is not None:
        raise CatalogError(CatalogErrorCode.IMPORT_NOT_CSV, {"reason": reason}, field="file")


# ------------------------------------------------------------------------------
# running an import
# ------------------------------------------------------------------------------
def product_import_run(*, run: ImportRun) -> ImportRun:
    """Run a PENDING product import to its end; any other run is returned untouched.

    The run is claimed with a conditional UPDATE, so two workers given the same run cannot both
    import it. Whatever happens after that, the run ends SUCCEEDED, PARTIAL or FAILED.
    """
    if not import_run_claim(run=run):
        return run
    try:
        _import(run)
    except ImportFileError as exc:
        import_run_finish(run=run, status=ImportRun.Status.FAILED, code=exc.code, params=exc.params)
    except Exception as exc:
        logger.exception("product import %s failed", run.uuid)
        run.refresh_from_db(fields=["processed_rows", "created_count", "updated_count"])
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            code=CatalogErrorCode.IMPORT_UNEXPECTED,
            params={"error": type(exc).__name__, "done": run.processed_rows, "total": run.total_rows},
        )
    return run


def _import(run: ImportRun) -> None:
    plan = plan_file(*table(decode(_read(run))))
    import_run_progress(run=run, total_rows=plan.total_rows)
    if not plan.products:
        raise ImportFileError(CatalogErrorCode.IMPORT_NO_ROWS)

    bad = {p.row for p in plan.problems}
    for item in plan.products:
        item.skipped = any(row.number in bad for row in item.rows)
    all_or_nothing = run.policy != ImportRun.Policy.VALID_ROWS
    if not all_or_nothing:
        plan.problems.extend(skip_notes(plan.products, bad))
    problems_sort(plan.problems)
    import_run_problems_add(run=run, problems=plan.problems)
    if plan.problems and all_or_nothing:
        import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            code=CatalogErrorCode.IMPORT_ROWS_INVALID,
            params={"rows": len(bad), "total": plan.total_rows},
        )
        return

    if all_or_nothing:
        # All or nothing includes the plan: a file with more new products than the plan has room
        # for imports none of them. (Each chunk checks again below, under the plan's lock.)
        with transaction.atomic():
            refused = _beyond_plan(plan.products)
        if refused:
            import_run_problems_add(run=run, problems=refused)
            import_run_finish(
                run=run, status=ImportRun.Status.FAILED, code=refused[0].code, params=refused[0].params
            )
            return

    writer = ProductWriter(columns=plan.columns)
    chunk_rows = max(1, settings.CATALOG_IMPORT_CHUNK_ROWS)
    for chunk in _chunks(plan.products, chunk_rows):
        with transaction.atomic():
            refused = _beyond_plan(chunk)
            if refused:
                import_run_problems_add(run=run, problems=refused)
                plan.problems.extend(refused)
            created, updated = writer.write([item for item in chunk if not item.skipped])
            import_run_progress(
                run=run,
                processed_rows=run.processed_rows + sum(len(item.rows) for item in chunk),
                created_count=run.created_count + created,
                updated_count=run.updated_count + updated,
            )

    if not plan.problems:
        import_run_finish(run=run, status=ImportRun.Status.SUCCEEDED)
    elif run.created_count + run.updated_count:
        import_run_finish(run=run, status=ImportRun.Status.PARTIAL)
    else:
        import_run_finish(run=run, status=ImportRun.Status.FAILED, code=CatalogErrorCode.IMPORT_NOTHING_VALID)


def _beyond_plan(items: Sequence[PlannedProduct]) -> list[ImportProblem]:
    """Skip the new products of `items` beyond the products-per-store limit of the merchant's
    plan, one problem (on the product's first row) for each. Call it in the transaction that
    writes `items`: the plan row stays locked until it commits, so parallel imports cannot both
    use the same room."""
    new = [item for item in items if not item.skipped and not item.exists]
    if not new:
        return []
    try:
        store_limit_check(limit=Limit.PRODUCTS_PER_STORE, adding=len(new))
    except PlanLimitReached as exc:
        room = max(0, int(exc.params["allowed"]) - int(exc.params["used"]))
        refused = new[room:]
        for item in refused:
            item.skipped = True
        return [
            ImportProblem(row=item.rows[0].number, column="handle", code=exc.code, params=exc.params)
            for item in refused
        ]
    return []


def _read(run: ImportRun) -> bytes:
    if not run.file:
        raise ImportFileError(CatalogErrorCode.IMPORT_NO_FILE)
    try:
        with run.file.open("rb") as handle:
            data: bytes = handle.read(settings.CATALOG_IMPORT_MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise ImportFileError(CatalogErrorCode.IMPORT_FILE_GONE) from exc
    if len(data) > settings.CATALOG_IMPORT_MAX_BYTES:
        raise ImportFileError(
            CatalogErrorCode.IMPORT_TOO_LARGE,
            {"size": round(len(data) / MEGABYTE, 1), "limit": settings.CATALOG_IMPORT_MAX_BYTES // MEGABYTE},
        )
    return data


def _chunks(products: Sequence[PlannedProduct], size: int) -> Iterator[list[PlannedProduct]]:
    """Whole products, about `size` rows at a time."""
    chunk: list[PlannedProduct] = []
    rows = 0
    for item in products:
        chunk.append(item)
        rows += len(item.rows)
        if rows >= size:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk
