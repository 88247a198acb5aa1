"""Re-encrypt the stored secrets under the current SECRET_KEY, after rotating it, in the
platform's schema and every store's: webhook signing secrets, SMS tokens, supplier connector
secrets, social sign-in secrets (`apps.core.encryption`).

    manage.py secrets_rotate [--dry-run] [--store SLUG ...]

Rotating the key the Django way (the new one in DJANGO_SECRET_KEY, the old one in
DJANGO_SECRET_KEY_FALLBACKS) keeps every secret readable; this moves them to the new key so
the old one can leave the fallbacks. Each schema is rewritten in its own transaction. A value
no key decrypts (from another platform's archive) is left as it is and named: it has to be
entered again. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.social_apps import SOCIAL_APP_SECRET_MAX_BYTES
from apps.core.encryption import EncryptedColumn, columns_reencrypt, encrypted_columns
from apps.tenants.models import Tenant

# allauth's model is not ours: its secret column is encrypted by apps.accounts.social_apps.
SOCIAL_APP_SECRET = EncryptedColumn(
    "socialaccount_socialapp", "secret", max_bytes=SOCIAL_APP_SECRET_MAX_BYTES
)


class Command(BaseCommand):
    help = "Re-encrypt the stored secrets of the platform and every store under the current SECRET_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        parser.add_argument(
            "--store",
            action="append",
            default=[],
            metavar="SLUG",
            help="only this store (repeatable); the platform's own schema is then left out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        slugs: list[str] = options["store"]
        stores = Tenant.objects.exclude(schema_name="public").order_by("pk")
        if slugs:
            stores = stores.filter(slug__in=slugs)
            unknown = sorted(set(slugs) - set(stores.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"No store with the slug {', '.join(unknown)}.")
        schemas = ([] if slugs else ["public"]) + [
            schema for schema in stores.values_list("schema_name", flat=True) if schema_exists(schema)
        ]
        columns = [*encrypted_columns(), SOCIAL_APP_SECRET]
        rewritten = current = 0
        unreadable: list[str] = []
        for schema in schemas:
            with schema_context(schema), transaction.atomic():
                done = columns_reencrypt(connection, columns, dry_run=dry_run)
            rewritten += done.rewritten
            current += done.current
            unreadable += [f"{schema}: {where}" for where in done.unreadable]
            self.stdout.write(
                f"{schema}: {done.rewritten} {'to re-encrypt' if dry_run else 're-encrypted'}, "
                f"{done.current} already under the current key, {len(done.unreadable)} unreadable"
            )
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{rewritten} secrets {verb} re-encrypted in {len(schemas)} schemas;"
                f" {current} were already under the current key."
            )
        )
        if unreadable:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(unreadable)} secrets no key of this platform decrypts were left as they"
                    " are (enter them again):\n  " + "\n  ".join(unreadable)
                )
            )
