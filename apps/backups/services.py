"""Export one store (its schema's rows and its media prefixes) to an archive, and restore an
archive as a new store or over the store it came from.

An export reads every table in one REPEATABLE READ transaction, so the archive is one moment of
the store. A restore checks the whole archive first (apps.backups.archive). Media are not
transactional, so the archive's files are written next and read back against their checksums:
a failure there leaves the rows as they were (and a new store's files are removed again). Then,
in one transaction, it makes the target schema (a clone of the template for a new store; the
store's own schema when restoring over it), takes the schema back to the archive's migrations
when it has migrated since (apps.backups.migration_gap), refuses an archive made by a newer
release or whose table columns differ from the schema's, replaces every row, resets the
sequences, checks the foreign keys, reads every table back to compare its checksum with the
manifest, and applies the migrations it took back again. Anything that fails rolls the whole
database part back: a new store is not created, a store restored over keeps its rows. A store's
files the archive lacks are removed only after the rows commit, so rows never name a missing
file. Restoring over a store first writes a safety export of it. Only the target schema and its
media prefix are ever written; no other store is read or touched.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.backups import schema_data
from apps.backups.archive import (
    ARCHIVE_FORMAT,
    FORMAT_VERSION,
    archive_open,
    archive_write,
    data_path,
    media_path,
)
from apps.backups.errors import BackupError, BackupErrorCode
from apps.backups.media import (
    EXPORTS_DIR,
    MEDIA_STORAGES,
    file_sha256,
    media_file_delete,
    media_file_write,
    media_files,
    media_storage,
)
from apps.backups.migration_gap import migrations_after, migrations_redo, migrations_undo
from apps.backups.models import StoreExport
from apps.content.services import content_site_hostname_set
from apps.core.storage import private_storage
from apps.tenants.clone import schema_clone_from_template
from apps.tenants.domains import domain_platform_add
from apps.tenants.models import StoreAuditEntry, Tenant
from apps.tenants.services import schema_name_for, subdomain_clean

logger = logging.getLogger(__name__)

READY_STATUSES = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)
# Never archived: sign-in sessions are credentials (an archive that leaks must not let anyone in)
# and are worth nothing once restored; a restored store starts with everyone signed out.
TABLES_NOT_ARCHIVED = frozenset({"django_session"})
MIGRATIONS_TABLE = "django_migrations"


@dataclass
class ExportResult:
    path: Path
    size: int
    tables: int
    rows: int
    media_files: int
    manifest: dict[str, Any] = field(repr=False)


@dataclass
class RestoreResult:
    tenant: Tenant
    tables: int
    rows: int
    media_files: int
    safety_archive: Path | None
    # Migrations made since the archive: taken back for the restore, then applied to its rows.
    migrations_applied: int = 0


def store_get(*, slug: str) -> Tenant:
    tenant = Tenant.objects.exclude(schema_name="public").filter(slug=slug).first()
    if tenant is None:
        raise BackupError(
            _("There is no store “%(slug)s”.") % {"slug": slug}, code=BackupErrorCode.STORE_UNKNOWN
        )
    if tenant.status not in READY_STATUSES:
        raise BackupError(
            _("The store “%(slug)s” is %(status)s: it has no data to export or restore over yet.")
            % {"slug": slug, "status": tenant.get_status_display()},
            code=BackupErrorCode.STORE_NOT_READY,
        )
    return tenant


# ------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------
def store_export(*, tenant: Tenant, destination: Path) -> ExportResult:
    """Write the archive of `tenant` to `destination` (a .tar.gz)."""
    schema = tenant.schema_name
    with tempfile.TemporaryDirectory(prefix="store-export-") as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        # One snapshot for every table (inside a caller's transaction, such as a test's, the
        # caller's). django-tenants' SET search_path takes no snapshot, so the isolation level
        # can still be chosen after it. Media are read after the rows, outside the snapshot.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            tables: dict[str, Any] = {}
            for shape in schema_data.schema_tables(schema):
                if shape.name in TABLES_NOT_ARCHIVED:
                    continue
                with data_path(root, shape.name).open("wb") as out:
                    digest = schema_data.table_dump(schema, shape, out)
                tables[shape.name] = {
                    "columns": [list(column) for column in shape.columns],
                    "order_by": list(shape.order_by),
                    "rows": digest.rows,
                    "sha256": digest.sha256,
                }
            sequences = schema_data.schema_sequences(schema)
            sequence_owners = schema_data.sequence_owners(schema)
            migrations = schema_data.schema_migrations(schema)
        media: dict[str, dict[str, dict[str, Any]]] = {}
        with schema_context(schema):
            for area, _alias in MEDIA_STORAGES:
                media[area] = {}
                storage = media_storage(area)
                for name in media_files(area):
                    target = media_path(root, area, name)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with storage.open(name, "rb") as source, target.open("wb") as out:
                        while chunk := source.read(1 << 16):
                            out.write(chunk)
                    with target.open("rb") as handle:
                        sha, size = file_sha256(handle)
                    media[area][name] = {"size": size, "sha256": sha}
        manifest: dict[str, Any] = {
            "format": ARCHIVE_FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "store": {
                "id": tenant.pk,
                "uuid": str(tenant.uuid),
                "slug": tenant.slug,
                "schema": schema,
                "name": tenant.name,
                "merchant_id": tenant.merchant_id,
            },
            "migrations": migrations,
            "tables": tables,
            "sequences": sequences,
            "sequence_owners": sequence_owners,
            "media": media,
        }
        size = archive_write(root, manifest, destination)
    rows = sum(entry["rows"] for entry in tables.values())
    files = sum(len(entries) for entries in media.values())
    logger.info("store exported", extra={"schema_name": schema, "rows": rows, "media_files": files})
    return ExportResult(
        path=destination, size=size, tables=len(tables), rows=rows, media_files=files, manifest=manifest
    )


# ------------------------------------------------------------------------------
# restore
# ------------------------------------------------------------------------------
def store_restore(
    *,
    archive: Path,
    as_new: str | None = None,
    over: Tenant | None = None,
    name: str | None = None,
    safety_dir: Path | None = None,
    trust_unsigned: bool = False,
) -> RestoreResult:
    """Restore `archive` as a new store on subdomain `as_new`, or `over` the store it came from
    (after a safety export into `safety_dir`). An archive whose manifest this platform did not
    sign is refused unless `trust_unsigned`. Raises BackupError (or StoreError for a subdomain
    that is taken or invalid) without having written anything when the archive does not check
    out or does not fit."""
    if (as_new is None) == (over is None):
        raise ValueError("restore either as_new=<subdomain> or over=<store>")
    with tempfile.TemporaryDirectory(prefix="store-restore-") as tmp:
        root = Path(tmp)
        manifest = archive_open(archive, root, trust_unsigned=trust_unsigned)
        if over is not None and str(over.uuid) != manifest["store"]["uuid"]:
            raise BackupError(
                _(
                    "The archive is of store “%(archived)s”, not “%(target)s”: restore it over the store it "
                    "came from, or as a new store."
                )
                % {"archived": manifest["store"]["slug"], "target": over.slug},
                code=BackupErrorCode.WRONG_STORE,
            )
        if as_new is not None:
            slug = subdomain_clean(as_new)  # taken, reserved or malformed: refused before any write
        safety: Path | None = None
        if over is not None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            safety = (
                safety_dir or Path(settings.STORE_BACKUP_DIR)
            ) / f"{over.slug}-before-restore-{stamp}.tar.gz"
            store_export(tenant=over, destination=safety)
        # The archive's files go in first, each read back against its checksum: a failure here
        # (storage unreachable, a file that does not read back) leaves the rows untouched, and
        # the rows never name a file that is not there. Only names the archive has are written;
        # a store restored over keeps its other files until its rows are in.
        schema = over.schema_name if over is not None else schema_name_for(slug)
        written: list[tuple[str, str]] = []
        try:
            _media_put(root, manifest, schema, written)
            with transaction.atomic():
                if over is not None:
                    tenant = Tenant.objects.select_for_update().get(pk=over.pk)
                else:
                    tenant = _store_create(
                        slug=slug, name=name or manifest["store"]["name"], manifest=manifest
                    )
                rows, migrated = _rows_restore(root, manifest, tenant.schema_name)
                if over is None:
                    # The new store's Wagtail Site answers on its own address, not the archived store's.
                    with schema_context(tenant.schema_name):
                        content_site_hostname_set(hostname=f"{tenant.slug}.{settings.PLATFORM_DOMAIN}")
                StoreAuditEntry.objects.create(
                    tenant=tenant, action="restored", detail=f"{archive.name} ({manifest['created_at']})"
                )
        except BaseException:
            if over is None:  # the new store was not made: neither are its files
                _media_remove(schema, written)
            raise
        # Files the archive does not have, once the rows that might have named them are gone.
        if over is not None:
            _media_prune(manifest, schema)
        files = len(written)
    _store_cache_clear(tenant.schema_name)
    logger.info(
        "store restored", extra={"schema_name": tenant.schema_name, "rows": rows, "media_files": files}
    )
    return RestoreResult(
        tenant=tenant,
        tables=len(manifest["tables"]),
        rows=rows,
        media_files=files,
        safety_archive=safety,
        migrations_applied=migrated,
    )


def _store_create(*, slug: str, name: str, manifest: dict[str, Any]) -> Tenant:
    """The new store's row, its platform address and a schema cloned from the template (the
    same structure provisioning gives), marked active: the rows are the archive's, so neither
    provisioning nor the seeding of staff that follows it runs."""
    source = Tenant.objects.filter(uuid=manifest["store"]["uuid"]).first()
    merchant_id = source.merchant_id if source is not None else manifest["store"].get("merchant_id")
    merchants = Tenant._meta.get_field("merchant").related_model._default_manager  # type: ignore[union-attr]
    if merchant_id is not None and not merchants.filter(pk=merchant_id).exists():
        merchant_id = None  # the merchant is gone (or the archive is from another platform)
    tenant = Tenant.objects.create(
        schema_name=schema_name_for(slug),
        name=name[:100],
        slug=slug,
        merchant_id=merchant_id,
        status=Tenant.Status.ACTIVE,
        provisioning_step=Tenant.Step.DONE,
        provisioned_at=timezone.now(),
    )
    domain_platform_add(tenant=tenant, domain=f"{slug}.{settings.PLATFORM_DOMAIN}", is_primary=True)
    StoreAuditEntry.objects.create(tenant=tenant, action="created", detail="restored from an archive")
    schema_clone_from_template(tenant.schema_name)
    return tenant


def _rows_restore(root: Path, manifest: dict[str, Any], schema: str) -> tuple[int, int]:
    archived = {(app, name) for app, name in manifest["migrations"]}
    present = {(app, name) for app, name in schema_data.schema_migrations(schema)}
    # Migrations applied here since the archive was made (an upgrade): taken back below, then
    # applied again once the rows are in (apps.backups.migration_gap).
    after = migrations_after(archived=archived, present=present)
    # Rows written earlier in this transaction (deferred foreign-key checks) must not block
    # TRUNCATE or the undone migrations' ALTER TABLEs.
    schema_data.constraints_check_now()
    if after:
        # Emptied first, so no reverse operation meets a row it cannot take; django_migrations
        # last, as the undo reads and writes it.
        schema_data.tables_empty(
            schema, [s.name for s in schema_data.schema_tables(schema) if s.name != MIGRATIONS_TABLE]
        )
        schema_data.constraints_check_now()
        migrations_undo(schema, after)
    all_tables = [shape.name for shape in schema_data.schema_tables(schema)]
    shapes = {
        shape.name: shape
        for shape in schema_data.schema_tables(schema)
        if shape.name not in TABLES_NOT_ARCHIVED
    }
    tables: dict[str, Any] = manifest["tables"]
    for table in sorted(set(shapes) | set(tables)):
        shape = shapes.get(table)
        # The same columns, in any order: a column an undone migration had removed comes back
        # last. COPY names its columns, and the check below reads them in the archive's order.
        if (
            shape is None
            or table not in tables
            or sorted(list(c) for c in shape.columns) != sorted(tables[table]["columns"])
        ):
            raise BackupError(
                _("The table %(table)s of the archive does not match this store's schema.")
                % {"table": table},
                code=BackupErrorCode.TABLES_DIFFER,
                params={"table": table},
            )
    schema_data.tables_empty(schema, all_tables)
    for table, entry in sorted(tables.items()):
        with data_path(root, table).open("rb") as source:
            schema_data.table_copy_in(schema, table, [name for name, _type in entry["columns"]], source)
    try:
        # (archives made before owners were recorded match sequences by name only)
        schema_data.sequences_set(schema, manifest["sequences"], manifest.get("sequence_owners"))
    except LookupError as exc:
        raise BackupError(
            _("The archive's sequence %(sequence)s has no counterpart in this store's schema.")
            % {"sequence": exc.args[0]},
            code=BackupErrorCode.TABLES_DIFFER,
            params={"sequence": exc.args[0]},
        ) from exc
    schema_data.constraints_check_now()
    for table, entry in sorted(tables.items()):
        archived_shape = schema_data.TableShape(
            name=table,
            columns=tuple((name, type_) for name, type_ in entry["columns"]),
            order_by=tuple(entry.get("order_by") or shapes[table].order_by),
        )
        digest = schema_data.table_dump(schema, archived_shape)
        if (digest.rows, digest.sha256) != (entry["rows"], entry["sha256"]):
            raise BackupError(
                _("After the restore, table %(table)s does not read back as archived.") % {"table": table},
                code=BackupErrorCode.RESTORE_VERIFY_FAILED,
                params={"table": table},
            )
    if after:
        migrations_redo(schema, after)
    return sum(int(entry["rows"]) for entry in tables.values()), len(after)


def _media_put(root: Path, manifest: dict[str, Any], schema: str, written: list[tuple[str, str]]) -> None:
    """Write every file of the archive into `schema`'s prefixes, each read back against its
    checksum, adding each (area, name) to `written`. Stops at the first that fails."""
    with schema_context(schema):
        for area, _alias in MEDIA_STORAGES:
            archived: dict[str, Any] = manifest["media"].get(area, {})
            for name, entry in sorted(archived.items()):
                with media_path(root, area, name).open("rb") as source:
                    media_file_write(area, name, source)
                written.append((area, name))
                with media_storage(area).open(name, "rb") as handle:
                    sha, size = file_sha256(handle)
                if (sha, size) != (entry["sha256"], entry["size"]):
                    raise BackupError(
                        _("The media file %(file)s does not read back as archived.") % {"file": name},
                        code=BackupErrorCode.RESTORE_VERIFY_FAILED,
                        params={"file": f"{area}/{name}"},
                    )


def _media_remove(schema: str, written: list[tuple[str, str]]) -> None:
    with schema_context(schema):
        for area, name in written:
            try:
                media_file_delete(area, name)
            except Exception:  # the original error is the one to report
                logger.exception("could not remove %s/%s of a restore that failed", area, name)


def _media_prune(manifest: dict[str, Any], schema: str) -> int:
    """Remove the store's files the archive does not have; returns how many."""
    removed = 0
    with schema_context(schema):
        for area, _alias in MEDIA_STORAGES:
            archived: dict[str, Any] = manifest["media"].get(area, {})
            for name in media_files(area):
                if name not in archived:
                    media_file_delete(area, name)
                    removed += 1
    return removed


def _store_cache_clear(schema: str) -> None:
    """Drop the store's cached pages, settings and theme: they describe the rows before."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        cache.clear()
        return
    client = client_of(None, write=True)
    keys = list(client.scan_iter(match=f"{schema}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


# ------------------------------------------------------------------------------
# "download my store": the dashboard's export job
# ------------------------------------------------------------------------------
def store_export_request(*, tenant: Tenant, user: Any) -> StoreExport:
    """Queue an export of the current store for its owner; one at a time per store."""
    from apps.backups.tasks import store_export_task

    try:
        with transaction.atomic():
            export = StoreExport.objects.create(
                tenant=tenant, requested_by_id=user.pk, requested_by_label=str(user.email)[:255]
            )
    except IntegrityError as exc:
        raise BackupError(
            _("An export of this store is already being made."), code=BackupErrorCode.EXPORT_RUNNING
        ) from exc
    export_id = export.pk
    transaction.on_commit(lambda: store_export_task.delay(export_id))
    return export


def store_export_run(*, export_id: int) -> StoreExport:
    """Make the archive of a queued export and put it in the store's private storage. Run
    twice, the second run finds the export finished and does nothing."""
    with transaction.atomic():
        export = StoreExport.objects.select_for_update().select_related("tenant").get(pk=export_id)
        if export.status != StoreExport.Status.QUEUED:
            return export
        export.status = StoreExport.Status.RUNNING
        export.save(update_fields=["status", "updated_at"])
    tenant = export.tenant
    try:
        with tempfile.TemporaryDirectory(prefix="store-export-job-") as tmp:
            result = store_export(tenant=tenant, destination=Path(tmp) / "store.tar.gz")
            with schema_context(tenant.schema_name), result.path.open("rb") as handle:
                name = private_storage().save(
                    f"{EXPORTS_DIR}/{tenant.slug}-{export.uuid}.tar.gz", File(handle)
                )
    except Exception as exc:
        logger.exception("store export %s failed", export.uuid)
        export.status = StoreExport.Status.FAILED
        export.error_code = exc.code if isinstance(exc, BackupError) else type(exc).__name__[:50]
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error_code", "finished_at", "updated_at"])
        return export
    now = timezone.now()
    export.status = StoreExport.Status.READY
    export.file_name = name
    export.size = result.size
    export.tables = result.tables
    export.rows = result.rows
    export.media_files = result.media_files
    export.finished_at = now
    export.expires_at = now + timedelta(hours=settings.STORE_EXPORT_DOWNLOAD_HOURS)
    export.save()
    # Only the newest archive is kept: each one holds the whole store.
    for older in StoreExport.objects.filter(tenant=tenant, status=StoreExport.Status.READY).exclude(
        pk=export.pk
    ):
        store_export_expire(export=older)
    return export


def store_export_expire(*, export: StoreExport) -> None:
    """Remove an export's archive and mark it expired."""
    if export.file_name:
        with schema_context(export.tenant.schema_name):
            private_storage().delete(export.file_name)
    export.status = StoreExport.Status.EXPIRED
    export.file_name = ""
    export.save(update_fields=["status", "file_name", "updated_at"])


def store_exports_expire_due() -> int:
    """The current store's archives past their download time (a per-store daily job)."""
    from apps.core.tenancy import current_schema

    due = StoreExport.objects.select_related("tenant").filter(
        tenant__schema_name=current_schema(), status=StoreExport.Status.READY, expires_at__lte=timezone.now()
    )
    count = 0
    for export in due:
        store_export_expire(export=export)
        count += 1
    return count


def store_export_downloaded(*, export: StoreExport) -> None:
    """Record a download (the audit log follows `downloaded_at`, with who and from where)."""
    export.downloaded_at = timezone.now()
    export.save(update_fields=["downloaded_at", "updated_at"])
