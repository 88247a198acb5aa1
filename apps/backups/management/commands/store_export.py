"""`manage.py store_export <slug> [--output PATH]`: one store's archive (its schema's rows and its
media), written to PATH (default `STORE_BACKUP_DIR/<slug>-<UTC time>.tar.gz`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.backups.errors import BackupError
from apps.backups.services import store_export, store_get


class Command(BaseCommand):
    help = "Export one store (its schema's rows and its media) to a .tar.gz archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="the store's subdomain")
        parser.add_argument(
            "--output", "-o", help="archive path (default: STORE_BACKUP_DIR/<slug>-<time>.tar.gz)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = store_get(slug=options["slug"])
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        if options["output"]:
            destination = Path(options["output"])
        else:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            destination = Path(settings.STORE_BACKUP_DIR) / f"{tenant.slug}-{stamp}.tar.gz"
        if destination.exists():
            raise CommandError(f"{destination} exists already; choose another --output.")
        result = store_export(tenant=tenant, destination=destination)
        self.stdout.write(
            f"Exported store {tenant.slug} ({tenant.schema_name}): {result.tables} tables, {result.rows} rows, "
            f"{result.media_files} media files, {result.size} bytes -> {result.path}"
        )
