"""`manage.py migrate_all`: the one migration command that run, test and deploy use.

Migrates the public schema, creates and migrates the store template schema, then migrates every
store schema that is behind (in parallel processes), skipping schemas that are already current.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_tenant_base_migrate_command_class, schema_exists

from apps.core.tenancy import tenant_connection
from apps.tenants.clone import unique_constraint_names_restore
from apps.tenants.migrate_command import migrations_per_schema_made_cheap
from apps.tenants.migrations_state import stale_schemas, store_schema_names
from apps.tenants.services import platform_tenant_ensure
from apps.tenants.signals import public_schema_migrated, template_schema_migrated


class Command(BaseCommand):
    help = "Migrate public, the store template and every store schema (skipping current ones)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--processes", type=int, default=settings.TENANT_MULTIPROCESSING_MAX_PROCESSES)

    def _migrate(self, schemas: list[str], processes: int, verbosity: int) -> None:
        # The executors hand these options to Django's own migrate command: start from its
        # parser's defaults so every option it reads is present.
        parser = get_tenant_base_migrate_command_class()().create_parser("manage.py", "migrate")
        options = vars(parser.parse_args([]))
        options.update(
            verbosity=max(verbosity - 1, 0), interactive=False, database="default", skip_checks=True
        )
        codename = "multiprocessing" if len(schemas) > 1 and processes > 1 else "standard"
        settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = processes
        executor = get_executor(codename=codename)([], options)
        with migrations_per_schema_made_cheap():  # django-tenants' own recorder check included
            executor.run_migrations(tenants=schemas)
        tenant_connection().set_schema_to_public()

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        say = self.stdout.write if verbosity > 0 else (lambda *_args, **_kwargs: None)
        processes = int(options["processes"])
        started = time.perf_counter()
        tenant_connection().set_schema_to_public()

        if stale_schemas(["public"]):
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(verbosity - 1, 0))
            say("public: migrated")
        else:
            say("public: up to date")
        platform_tenant_ensure()
        public_schema_migrated.send(sender=self.__class__)

        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        stores = store_schema_names()
        check_started = time.perf_counter()
        behind = stale_schemas(stores)
        checked_in = time.perf_counter() - check_started
        if behind and schema_exists(template):
            # Stores cloned before apps.tenants.clone restored constraint names: give them the
            # template's names while both are still at the same migration, so the migrations
            # about to run find the constraints they name.
            renamed = unique_constraint_names_restore(source_schema=template, dest_schemas=behind)
            if renamed:
                say(f"stores: {renamed} unique constraints renamed to their template names")
        if stale_schemas([template]):
            self._migrate([template], 1, verbosity)
            say(f"{template}: migrated")
        else:
            say(f"{template}: up to date")
        template_schema_migrated.send(sender=self.__class__, schema_name=template)
        tenant_connection().set_schema_to_public()

        if behind:
            self._migrate(behind, processes, verbosity)
        say(
            f"stores: {len(stores)} checked in {checked_in:.2f}s, {len(behind)} migrated "
            f"({len(stores) - len(behind)} already current)"
        )
        say(self.style.SUCCESS(f"migrate_all finished in {time.perf_counter() - started:.2f}s"))
