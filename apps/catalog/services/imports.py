"""Import runs: the one module that writes `ImportRun` and `ImportRowError` rows, for product
CSV imports (apps.catalog.bulk) and supplier imports (apps.sourcing) alike.

A run and its problems store codes and parameters (`failure_code`/`failure_params`,
`ImportRowError.code`/`params`), never sentences: `apps.catalog.errors.error_message` words
them in the reader's language when a page or a report shows them. The uploaded file is kept in
the store's private storage (no URL; `ImportRun.file`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.errors import CatalogErrorCode, error_message_known
from apps.catalog.models import ImportRowError, ImportRun
from apps.core.errors import ApplicationError
from apps.core.events import event_emit

IMPORT_RUN_INTERRUPTED_AFTER = timedelta(hours=1)  # longer than any import task's time limit
FINISHED_IMPORTS = (ImportRun.Status.SUCCEEDED, ImportRun.Status.PARTIAL, ImportRun.Status.FAILED)
_COUNTERS = frozenset({"total_rows", "processed_rows", "created_count", "updated_count"})
# Emitted when a run ends (any kind, any of the FINISHED_IMPORTS statuses).
IMPORT_RUN_FINISHED = "import_run.finished"


@dataclass(frozen=True)
class ImportProblem:
    """One problem of one row (its spreadsheet row number, or a feed's position) and column."""

    row: int
    column: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


def import_problem_params(error: ApplicationError) -> dict[str, Any]:
    """What to store of an error raised by any app: its params. An error whose code has no
    registered message also keeps its sentence, so the run still says what went wrong."""
    params = dict(getattr(error, "params", None) or {})
    if not error_message_known(str(error.code)):
        params.setdefault("text", error.message)
    return params


def import_problem_from_error(*, row: int, column: str, error: ApplicationError) -> ImportProblem:
    return ImportProblem(
        row=row, column=column or error.field or "", code=str(error.code), params=import_problem_params(error)
    )


def import_run_create(
    *,
    kind: str,
    policy: str = ImportRun.Policy.ALL_OR_NOTHING,
    source_name: str = "",
    upload: File | None = None,
    file_name: str = "",
    supplier: Any = None,
    actor: User | None = None,
) -> ImportRun:
    """A PENDING run, with `upload` kept as `file_name` in the store's private storage. The
    caller queues its work on commit; if saving the row fails, the file is removed again."""
    run = ImportRun(
        kind=kind, policy=policy, source_name=source_name[:255], supplier=supplier, created_by=actor
    )
    if upload is not None:
        upload.seek(0)
        run.file.save(file_name or f"{run.uuid.hex}.csv", upload, save=False)
    try:
        with transaction.atomic():
            run.save()
    except Exception:
        if run.file.name:
            run.file.storage.delete(run.file.name)
        raise
    return run


def import_run_claim(*, run: ImportRun, statuses: Iterable[str] = (ImportRun.Status.PENDING,)) -> bool:
    """Move a run to RUNNING with a conditional UPDATE, so two workers given the same run cannot
    both work on it; False (and the run as stored) when it was not in one of `statuses`."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run.pk, status__in=list(statuses)).update(
        status=ImportRun.Status.RUNNING, started_at=now, processed_rows=0, updated_at=now
    )
    run.refresh_from_db()
    return bool(claimed)


def import_run_progress(*, run: ImportRun, **counters: int) -> ImportRun:
    """Save the run's row counters (`total_rows`, `processed_rows`, `created_count`,
    `updated_count`) as they are now, so the progress page follows the import."""
    unknown = set(counters) - _COUNTERS
    if unknown:
        raise ValueError(f"not an import counter: {sorted(unknown)}")
    for name, value in counters.items():
        setattr(run, name, value)
    run.save(update_fields=[*counters, "updated_at"])
    return run


def import_run_problems_add(*, run: ImportRun, problems: Iterable[ImportProblem]) -> int:
    """Record problems on the run (sorted by row as given) and count them; returns how many."""
    rows = [
        ImportRowError(run=run, row=p.row, column=p.column[:100], code=str(p.code), params=dict(p.params))
        for p in problems
    ]
    ImportRowError.objects.bulk_create(rows, batch_size=2000)
    run.error_count += len(rows)
    run.save(update_fields=["error_count", "updated_at"])
    return len(rows)


def import_run_problems_clear(*, run: ImportRun) -> None:
    ImportRowError.objects.filter(run=run).delete()
    run.error_count = 0
    run.save(update_fields=["error_count", "updated_at"])


def import_run_finish(
    *,
    run: ImportRun,
    status: str,
    code: str = "",
    params: Mapping[str, Any] | None = None,
    **counters: int,
) -> ImportRun:
    """End a run as SUCCEEDED, PARTIAL or FAILED; a failure says why with `code` and `params`.
    Emits `import_run.finished` (the run's UUID, kind, status and counters)."""
    if status not in FINISHED_IMPORTS:
        raise ValueError(f"{status!r} does not finish an import run")
    params = dict(params or {})
    if code and not error_message_known(code) and "text" not in params:
        raise ValueError(f"{code!r} has no message; register it with error_messages_register")
    unknown = set(counters) - _COUNTERS
    if unknown:
        raise ValueError(f"not an import counter: {sorted(unknown)}")
    for name, value in counters.items():
        setattr(run, name, value)
    run.status = status
    run.failure_code = str(code)
    run.failure_params = params
    run.finished_at = timezone.now()
    run.save(
        update_fields=["status", "failure_code", "failure_params", "finished_at", "updated_at", *counters]
    )
    event_emit(
        name=IMPORT_RUN_FINISHED,
        payload={
            "run": str(run.uuid),
            "kind": run.kind,
            "status": run.status,
            "source_name": run.source_name,
            "supplier_id": run.supplier_id,
            "created_count": run.created_count,
            "updated_count": run.updated_count,
            "error_count": run.error_count,
            "failure_code": run.failure_code,
            "failure_params": run.failure_params,
        },
    )
    return run


def import_run_fail(
    *, run: ImportRun, error: ApplicationError, problems: Iterable[ImportProblem] = (), **counters: int
) -> ImportRun:
    """End a run as FAILED because of `error` (any app's), recording its row `problems`."""
    import_run_problems_add(run=run, problems=problems)
    return import_run_finish(
        run=run,
        status=ImportRun.Status.FAILED,
        code=str(error.code),
        params=import_problem_params(error),
        **counters,
    )


def import_runs_fail_interrupted(*, now: datetime | None = None) -> int:
    """Mark runs still RUNNING long after any worker could be on them as failed (their worker
    died and the message was lost), so the dashboard stops showing them as in progress."""
    now = now or timezone.now()
    return ImportRun.objects.filter(
        status=ImportRun.Status.RUNNING, started_at__lt=now - IMPORT_RUN_INTERRUPTED_AFTER
    ).update(
        status=ImportRun.Status.FAILED,
        failure_code=CatalogErrorCode.IMPORT_INTERRUPTED,
        failure_params={},
        finished_at=now,
        updated_at=now,
    )
