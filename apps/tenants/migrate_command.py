"""The `migrate` command django-tenants runs in each schema (TENANT_BASE_MIGRATE_COMMAND).

Django's own, with two changes that matter when `migrate_all` takes hundreds or thousands of
store schemas through the same plan (benchmarks/bench_scale.py, docs/scaling.md):

- The migration state of a set of applied migrations (every model of every app, rendered) is
  built once per process, not once per schema; each schema gets a clone, as Django's migrate
  itself clones the state before it applies a plan, so no schema's run sees another's changes.
  Every store behind starts from the same applied set, so one build serves them all.
- Whether a schema has its `django_migrations` table is asked by name (`to_regclass` on the
  schema-qualified name, through the catalog's index by name). Django's recorder lists every
  table visible instead (django-tenants narrows the search_path to the schema first), a read of
  all of pg_class, which has no index by schema: 0.45 s at 1,000 stores, four to six times per
  schema, so `migrate_all` grew with the square of the number of stores.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.commands import migrate as django_migrate
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

# Rendered states kept per process: the set before a plan and, for the next schema's check,
# the same set again; two cover migrate_all's pattern (every store at the template's old set).
_KEPT = 2
_states: OrderedDict[tuple[frozenset[Any], ...], ProjectState] = OrderedDict()


def states_forget() -> None:
    _states.clear()


class StateKeepingExecutor(MigrationExecutor):
    def _create_project_state(self, with_applied_migrations: bool = False) -> ProjectState:
        if not with_applied_migrations:
            # Django mutates this one state by state while unapplying, unrendered on purpose
            # (a rendered state reloads models at every operation): never kept.
            return super()._create_project_state(with_applied_migrations=False)  # type: ignore[misc]
        graph = self.loader.graph
        # Everything the state is made of: the code's migrations (a migration written since
        # the last schema in this process gives a new key), the ones applied, the apps without
        # migrations.
        key = (
            frozenset(key for key in self.loader.applied_migrations if key in graph.nodes),
            frozenset(graph.nodes),
            frozenset(self.loader.unmigrated_apps),
        )
        state = _states.get(key)
        if state is None:
            state = super()._create_project_state(with_applied_migrations=True)  # type: ignore[misc]
            state.apps  # noqa: B018 - rendered once here, not once per schema
            _states[key] = state
            while len(_states) > _KEPT:
                _states.popitem(last=False)
        else:
            _states.move_to_end(key)
        return state.clone()


def _has_table(recorder: Any) -> bool:  # a MigrationRecorder (its _has_table is untyped)
    """MigrationRecorder.has_table for the connection's schema (django-tenants' `schema_name`,
    as its introspection lists), by name."""
    if recorder._has_table:
        return True
    connection = recorder.connection
    schema = getattr(connection, "schema_name", None) or "public"
    name = (
        f"{connection.ops.quote_name(schema)}.{connection.ops.quote_name(recorder.Migration._meta.db_table)}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        recorder._has_table = bool(cursor.fetchone()[0])
    return recorder._has_table


@contextmanager
def migrations_per_schema_made_cheap() -> Iterator[None]:
    """Kept states and the recorder's lookup by name, for what runs inside (and for processes
    forked inside: django-tenants' parallel executor)."""
    executor, has_table = django_migrate.MigrationExecutor, MigrationRecorder.has_table  # type: ignore[attr-defined]
    django_migrate.MigrationExecutor = StateKeepingExecutor  # type: ignore[attr-defined]
    MigrationRecorder.has_table = _has_table  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        django_migrate.MigrationExecutor = executor  # type: ignore[attr-defined]
        MigrationRecorder.has_table = has_table  # type: ignore[method-assign]


class Command(django_migrate.Command):
    def handle(self, *args: Any, **options: Any) -> Any:
        with migrations_per_schema_made_cheap():
            return super().handle(*args, **options)
