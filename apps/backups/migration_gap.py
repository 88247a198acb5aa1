"""Restoring an archive made before the platform's last upgrade: the migrations in between.

An archive records the migrations its schema had. When the schema it is restored into has more
(the platform was upgraded since the export), the restore takes the schema back to the archive's
state, puts the rows in at the shape they were exported at, checks them, and applies the same
migrations again, so data migrations carry the rows forward as they carried every other store's:

1. `migrations_after` names the migrations to take back, in the order they were applied, and
   refuses an archive that has migrations this release does not know (made by a newer one);
2. `migrations_undo` unapplies them newest first, on tables the restore has emptied, so no
   reverse operation meets a row it cannot take;
3. `migrations_redo` applies them again once the rows are in, then sends `post_migrate` as
   `migrate` does (content types and permissions of the models they added).

All of it runs inside the restore's transaction: PostgreSQL's DDL is transactional, so a restore
that fails at any step leaves the schema, its tables and its rows as they were.
"""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.backups.errors import BackupError, BackupErrorCode

Key = tuple[str, str]


def _names(keys: set[Key] | list[Key]) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in keys)[:20]


def migrations_after(*, archived: set[Key], present: set[Key]) -> list[Key]:
    """The migrations `present` has and `archived` lacks, in the order they apply. Raises
    BackupError when the archive holds a migration this release does not have, or when one
    the archive holds depends on one it lacks (no schema was ever in such a state)."""
    unknown = archived - present
    if unknown:
        raise BackupError(
            _(
                "The archive was made by a newer release of the platform: it has %(count)s migrations "
                "this release does not have (such as %(example)s). Restore it after upgrading."
            )
            % {"count": len(unknown), "example": _names(unknown)[0]},
            code=BackupErrorCode.MIGRATIONS_DIFFER,
            params={"only_in_archive": _names(unknown)},
        )
    after = present - archived
    if not after:  # the usual case: the archive is of this release
        return []
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    not_in_code = after - set(graph.nodes)
    if not_in_code:
        raise BackupError(
            _("The store's schema has migrations this release does not know: %(names)s.")
            % {"names": ", ".join(_names(not_in_code))},
            code=BackupErrorCode.MIGRATIONS_DIFFER,
            params={"only_here": _names(not_in_code)},
        )
    depending = {key for key in archived if key in graph.nodes and graph.node_map[key].parents & after}
    if depending:
        raise BackupError(
            _("The archive's migrations are not a state any store was in: %(names)s depend on ones it lacks.")
            % {"names": ", ".join(_names(depending))},
            code=BackupErrorCode.MIGRATIONS_DIFFER,
            params={"inconsistent": _names(depending)},
        )
    ordered: list[Key] = []
    seen: set[Key] = set()
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            if key in after and key not in seen:
                seen.add(key)
                ordered.append(key)
    return ordered


def migrations_undo(schema: str, keys: list[Key]) -> None:
    """Unapply `keys` (as `migrations_after` orders them) in `schema`, newest first."""
    with schema_context(schema):
        executor = MigrationExecutor(connection)
        plan = [(executor.loader.graph.nodes[key], True) for key in reversed(keys)]
        try:
            executor.migrate([], plan=plan)
        except IrreversibleError as exc:
            raise BackupError(
                _(
                    "The archive was made before migrations that cannot be undone (%(reason)s): restore it "
                    "with the release that made it, then upgrade."
                )
                % {"reason": exc},
                code=BackupErrorCode.MIGRATIONS_DIFFER,
                params={"only_here": _names(keys)},
            ) from exc


def migrations_redo(schema: str, keys: list[Key]) -> None:
    """Apply `keys` again in `schema`, oldest first, then send post_migrate for it."""
    with schema_context(schema):
        executor = MigrationExecutor(connection)
        plan = [(executor.loader.graph.nodes[key], False) for key in keys]
        state = executor.migrate([], plan=plan)
        state.clear_delayed_apps_cache()
        emit_post_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)
