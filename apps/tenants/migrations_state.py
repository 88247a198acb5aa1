"""Which schemas are behind the code's migrations, read from each schema's django_migrations.

Two queries however many stores there are (in chunks): one finds which schemas have a
django_migrations table, one reads all their applied migrations with UNION ALL.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from apps.tenants.models import Tenant

_CHUNK = 250


@cache
def _graph() -> tuple[
    frozenset[tuple[str, str]], tuple[tuple[tuple[str, str], tuple[tuple[str, str], ...]], ...]
]:
    # django-tenants records every app's migrations in every schema (the router only skips
    # the operations), so a schema is current when it has recorded all of them.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replacements = tuple((key, tuple(m.replaces)) for key, m in loader.replacements.items())
    return frozenset(loader.graph.nodes), replacements


def expected_migrations() -> set[tuple[str, str]]:
    return set(_graph()[0])


def applied_migrations_by_schema(schema_names: list[str]) -> dict[str, set[tuple[str, str]]]:
    applied: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with connection.cursor() as cursor:
        for start in range(0, len(schema_names), _CHUNK):
            chunk = schema_names[start : start + _CHUNK]
            cursor.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
                [chunk],
            )
            with_table = [row[0] for row in cursor.fetchall()]
            if not with_table:
                continue
            union = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {connection.ops.quote_name(name)}.django_migrations"
                for name in with_table
            )
            cursor.execute(union, with_table)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return {name: applied.get(name, set()) for name in schema_names}


def stale_schemas(schema_names: list[str]) -> list[str]:
    expected, replacements = _graph()
    stale = []
    for schema_name, applied in applied_migrations_by_schema(schema_names).items():
        for key, replaced in replacements:
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
