"""Supplier imports (`supplier_import_start` -> task -> `supplier_import_run`): the connector's
whole catalog becomes DRAFT products with variants (cost, price from the pricing rules), images
(fetched through the SSRF guard) and `SupplierOffer`s linked to the variants.

Offers are matched by supplier + supplier SKU, so importing again updates the same products (new
variants, new costs) instead of duplicating them; the merchant's own texts, status and prices of
unchanged costs are kept. Supplier imports are all-or-nothing: the feed is read and checked
first, images are fetched next (an image that cannot be used is skipped and reported), and every
row is written in one transaction, so a bad feed leaves the catalog as it was.

Products, images and their sync state are written only through the catalog's services (the
same field normalisation as the editor and the CSV importer); the run and its problems only
through the catalog's import-run service, as codes and parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.errors import CatalogErrorCode
from apps.catalog.models import ImportRun, ProductImage
from apps.catalog.services import (
    FINISHED_IMPORTS,
    ImportProblem,
    import_run_claim,
    import_run_create,
    import_run_fail,
    import_run_finish,
    import_run_problems_add,
    import_run_problems_clear,
    import_run_progress,
    product_image_files_delete,
)
from apps.core.errors import ApplicationError
from apps.core.tenancy import current_schema
from apps.sourcing.connectors import SupplierItem
from apps.sourcing.connectors.factory import connector_for, store_currency, upload_format
from apps.sourcing.errors import FeedInvalid, FeedProblem, SourcingError, SupplierInvalid
from apps.sourcing.models import Supplier
from apps.sourcing.services.import_items import (
    ImportRefused,
    PreparedItem,
    import_refused,
    items_prepare,
    items_write,
)

logger = logging.getLogger(__name__)


def _feed_problem(problem: FeedProblem) -> ImportProblem:
    """A connector's row problem as the run stores it: its code and params when it has them;
    a connector that words its own problems keeps the sentence (the `legacy_text` code)."""
    code = getattr(problem, "code", None)
    if code:
        return ImportProblem(
            row=problem.row,
            column=problem.column,
            code=str(code),
            params=dict(getattr(problem, "params", {})),
        )
    return ImportProblem(
        row=problem.row,
        column=problem.column,
        code=CatalogErrorCode.LEGACY_TEXT,
        params={"text": problem.message},
    )


# ------------------------------------------------------------------------------
# starting
# ------------------------------------------------------------------------------
@transaction.atomic
def supplier_import_start(
    *, supplier: Supplier, upload: UploadedFile | None = None, actor: User | None = None
) -> ImportRun:
    """Record an import of `supplier`'s catalog and queue it; returns the run to follow."""
    from apps.sourcing.tasks import supplier_import_task

    if not supplier.is_active:
        raise SupplierInvalid(
            _("%(supplier)s is inactive; activate it to import.") % {"supplier": supplier.name}
        )
    file_name = ""
    kind: str
    if supplier.connector == Supplier.Connector.MANUAL:
        if upload is None:
            raise SupplierInvalid(_("Choose the supplier's CSV or JSON file to import."), field="file")
        if (upload.size or 0) > settings.SOURCING_FEED_MAX_BYTES:
            raise SupplierInvalid(
                _("The file is larger than %(mb)d MB.")
                % {"mb": settings.SOURCING_FEED_MAX_BYTES // (1024 * 1024)},
                field="file",
            )
        upload.seek(0)
        head = upload.read(64)
        upload.seek(0)
        file_name = upload.name or "feed"
        fmt = upload_format(file_name, head)
        kind = ImportRun.Kind.SUPPLIER_JSON if fmt == "json" else ImportRun.Kind.SUPPLIER_CSV
        source = file_name
    else:
        connector = connector_for(supplier)
        kind = connector.import_kind
        config = supplier.connector_config or {}
        if kind == ImportRun.Kind.SUPPLIER_API:
            source = _("%(count)d product(s) from the API") % {"count": len(config.get("product_ids") or [])}
        else:
            source = str(config.get("feed_url") or "").split("?", 1)[0]
    manual = upload is not None and supplier.connector == Supplier.Connector.MANUAL
    run = import_run_create(
        kind=kind,
        source_name=source,
        upload=upload if manual else None,
        # The connector tells CSV from JSON by the stored name's extension.
        file_name=file_name.rsplit("/", 1)[-1][:100],
        supplier=supplier,
        actor=actor,
    )
    schema = current_schema()
    transaction.on_commit(
        lambda: supplier_import_task.apply_async(args=(run.pk,), headers={"_schema_name": schema})
    )
    return run


# ------------------------------------------------------------------------------
# reading and preparing
# ------------------------------------------------------------------------------


def _items_check(items: list[SupplierItem]) -> list[ImportProblem]:
    """Rules the connector cannot know: the store's currency."""
    currency = store_currency()
    return [
        ImportProblem(
            row=item.row,
            column="currency",
            code=CatalogErrorCode.COST_CURRENCY_MISMATCH,
            params={"sku": variant.sku, "currency": variant.currency, "store": currency},
        )
        for item in items
        for variant in item.variants
        if variant.currency != currency
    ]


def _import_read(run: ImportRun, supplier: Supplier) -> list[SupplierItem]:
    """Everything the connector offers, checked; `ImportRefused` names each unusable row."""
    content = None
    if run.file:
        with run.file.open("rb") as handle:
            content = handle.read()
    connector = connector_for(
        supplier, upload_name=(run.file.name or "") if run.file else "", content=content
    )
    try:
        items = connector.fetch_catalog()
    except FeedInvalid as exc:
        raise import_refused(
            CatalogErrorCode.IMPORT_ROWS_REFUSED, [_feed_problem(p) for p in exc.problems]
        ) from exc
    problems = _items_check(items)
    if problems:
        raise import_refused(CatalogErrorCode.IMPORT_ROWS_REFUSED, problems)
    return items


def _run_fail(run: ImportRun, error: ApplicationError, problems: Sequence[ImportProblem] = ()) -> ImportRun:
    return import_run_fail(run=run, error=error, problems=problems, created_count=0, updated_count=0)


def supplier_import_run(*, run_id: int) -> ImportRun:
    """Do one import (the task's body). Safe to run twice: a finished run is left alone."""
    run = ImportRun.objects.select_related("supplier").get(pk=run_id)
    if run.status in FINISHED_IMPORTS:
        return run
    supplier = run.supplier
    # A redelivered message finds its run RUNNING (its worker died): it starts over.
    if not import_run_claim(run=run, statuses=(ImportRun.Status.PENDING, ImportRun.Status.RUNNING)):
        return run
    import_run_problems_clear(run=run)
    if supplier is None:
        return import_run_finish(
            run=run, status=ImportRun.Status.FAILED, code=CatalogErrorCode.IMPORT_SUPPLIER_GONE
        )
    prepared: list[PreparedItem] = []
    saved_images: list[ProductImage] = []
    try:
        items = _import_read(run, supplier)
        import_run_progress(run=run, total_rows=len(items))
        warnings = items_prepare(run, supplier, items, into=prepared)
        created, updated = items_write(
            run=run, supplier=supplier, prepared=prepared, saved_images=saved_images
        )
    except ImportRefused as exc:
        product_image_files_delete(saved_images)
        return _run_fail(run, exc, exc.problems)
    except SourcingError as exc:
        product_image_files_delete(saved_images)
        return _run_fail(run, exc)
    except Exception as exc:
        product_image_files_delete(saved_images)
        logger.exception("supplier import %s failed", run.uuid)
        return import_run_finish(
            run=run,
            status=ImportRun.Status.FAILED,
            code=CatalogErrorCode.IMPORT_UNEXPECTED_NOTHING_SAVED,
            params={"error": type(exc).__name__},
            created_count=0,
            updated_count=0,
        )
    finally:
        for entry in prepared:
            for upload in entry.images:
                upload.close()  # temporary files
    import_run_problems_add(run=run, problems=warnings)
    return import_run_finish(
        run=run,
        status=ImportRun.Status.SUCCEEDED,
        processed_rows=len(items),
        created_count=created,
        updated_count=updated,
    )
