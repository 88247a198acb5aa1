"""Which schemas are behind the code's migrations, read from each schema's django_migrations."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from apps.tenants.models import Tenant


def expected_migrations() -> set[tuple[str, str]]:
    # django-tenants records every app's migrations in every schema (the router only skips
    # the operations), so each schema is current when it has recorded all of them.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.nodes)


def _replacements() -> dict[tuple[str, str], list[tuple[str, str]]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: list(migration.replaces) for key, migration in loader.replacements.items()}


def applied_migrations(schema_name: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name = 'django_migrations'",
            [schema_name],
        )
        if cursor.fetchone() is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def stale_schemas(schema_names: list[str]) -> list[str]:
    expected = expected_migrations()
    replacements = _replacements()
    stale = []
    for schema_name in schema_names:
        applied = applied_migrations(schema_name)
        for key, replaced in replacements.items():
            if all(r in applied for r in replaced):
                applied.add(key)
        if expected - applied:
            stale.append(schema_name)
    return stale


def store_schema_names() -> list[str]:
    """Schemas of stores that exist in the database (a failed or queued store may have none)."""
    names = list(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in names if name in present]
