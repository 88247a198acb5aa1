"""`manage.py store_restore <archive> (--as-new <slug> | --over <slug>) [--yes]`.

`--as-new` makes a new store on that subdomain from the archive (new schema cloned from the
template, then the archive's rows and media). `--over` puts a store back as the archive has it,
after writing a safety export of its current state (printed); it asks first unless `--yes`. The
archive is checked in full before anything is written; a restore that fails leaves the database
as it was. Exits non-zero with the reason on any refusal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.backups.errors import BackupError
from apps.backups.services import store_get, store_restore
from apps.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Restore a store archive as a new store, or over the store it came from."
    stealth_options = ("interactive",)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="a .tar.gz made by store_export or 'Download my store'")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--as-new", metavar="SLUG", help="subdomain of the new store")
        target.add_argument("--over", metavar="SLUG", help="the store the archive came from")
        parser.add_argument("--name", help="name of the new store (default: the archived store's)")
        parser.add_argument(
            "--safety-dir", help="where --over writes its safety export (default STORE_BACKUP_DIR)"
        )
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing a store's data")
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="accept an archive this platform did not sign (made elsewhere, or before a key rotation)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive}: no such archive file.")
        try:
            over = store_get(slug=options["over"]) if options["over"] else None
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        if over is not None and not options["yes"]:
            confirmed = options.get("interactive", True) and self._confirm(str(over.slug))
            if not confirmed:
                raise CommandError("Not restored: confirm with --yes to replace the store's data.")
        try:
            result = store_restore(
                archive=archive,
                as_new=options["as_new"],
                over=over,
                name=options["name"],
                safety_dir=Path(options["safety_dir"]) if options["safety_dir"] else None,
                trust_unsigned=options["trust_unsigned"],
            )
        except ApplicationError as exc:
            raise CommandError(f"Not restored ({exc.code}): {exc.message}") from exc
        if result.safety_archive is not None:
            self.stdout.write(
                f"Safety export of {result.tenant.slug} before the restore: {result.safety_archive}"
            )
        self.stdout.write(
            f"Restored {archive.name} into store {result.tenant.slug} ({result.tenant.schema_name}): "
            f"{result.tables} tables, {result.rows} rows, {result.media_files} media files, checksums verified."
        )
        if result.migrations_applied:
            self.stdout.write(
                f"The archive predates {result.migrations_applied} migration(s) of this release: "
                "they were applied to its rows."
            )

    def _confirm(self, slug: str) -> bool:
        answer = input(
            f"Replace every row and file of store {slug!r} with the archive's? Type the slug to go on: "
        )
        return answer.strip() == slug
