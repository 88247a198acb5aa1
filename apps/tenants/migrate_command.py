"""The `migrate` command django-tenants runs in each schema (TENANT_BASE_MIGRATE_COMMAND).

Django's own, with one change: the migration state of a set of applied migrations is built and
rendered once per process, not once per schema. `migrate_all` takes hundreds or thousands of
store schemas through the same plan from the same applied set, and rendering that state (every
model of every app, as the applied migrations leave it) was most of the 2 s each schema cost
(benchmarks/bench_scale.py, docs/scaling.md). The state is handed out as a clone, as Django's
migrate itself does before it applies a plan, so no schema's run sees another's changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.commands import migrate as django_migrate
from django.db.migrations.executor import MigrationExecutor
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


@contextmanager
def _states_kept() -> Iterator[None]:
    original = django_migrate.MigrationExecutor  # type: ignore[attr-defined]
    django_migrate.MigrationExecutor = StateKeepingExecutor  # type: ignore[attr-defined]
    try:
        yield
    finally:
        django_migrate.MigrationExecutor = original  # type: ignore[attr-defined]


class Command(django_migrate.Command):
    def handle(self, *args: Any, **options: Any) -> Any:
        with _states_kept():
            return super().handle(*args, **options)
