from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.tenants.migrations_state import stale_schemas

pytestmark = pytest.mark.django_db


def test_migrate_all_skips_current_schemas(alpha, beta):
    out = StringIO()
    call_command("migrate_all", stdout=out)
    text = out.getvalue()
    assert "public: up to date" in text
    assert "tenant_template: up to date" in text
    assert "0 migrated" in text


def test_a_schema_behind_the_code_is_detected_and_migrated(alpha):
    schema = alpha.tenant.schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'core' AND name = '0001_initial'"
        )
    assert stale_schemas([schema, "public"]) == [schema]
    # migrating it re-applies (fakes over the existing table) only what is missing
    call_command("migrate_schemas", schema_name=schema, fake=True, interactive=False, verbosity=0)
    assert stale_schemas([schema]) == []


def test_a_clone_of_a_stale_template_is_migrated_not_faked(alpha):
    from django.conf import settings
    from django_tenants.utils import schema_exists

    from apps.tenants.clone import schema_clone_from_template

    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        # given a template that lacks the event log (as if a new migration had not run yet)
        cursor.execute(f'DROP TABLE "{template}".core_eventdelivery, "{template}".core_eventrecord')
        cursor.execute(f"DELETE FROM \"{template}\".django_migrations WHERE app = 'core'")
    schema_clone_from_template("store_clone_check")
    assert schema_exists("store_clone_check")
    assert stale_schemas(["store_clone_check"]) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('store_clone_check.core_eventrecord') IS NOT NULL")
        assert cursor.fetchone()[0]


def test_stores_behind_by_one_migration_share_one_rendered_state_and_each_get_the_change(
    alpha, beta, monkeypatch
):
    from django.conf import settings
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.loader import MigrationLoader

    from apps.tenants import migrate_command

    # given the template and two stores without the last orders migration, taken back by
    # migrate itself (so the test follows the code: whichever migration is last)
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    [last] = [name for app, name in graph.leaf_nodes() if app == "orders"]
    [before] = [name for app, name in graph.node_map[("orders", last)].parents if app == "orders"]
    schemas = [settings.TENANT_BASE_SCHEMA, alpha.tenant.schema_name, beta.tenant.schema_name]
    for schema in schemas:
        call_command("migrate_schemas", "orders", before, schema_name=schema, interactive=False, verbosity=0)
    assert sorted(stale_schemas(schemas)) == sorted(schemas)
    built: list[bool] = []
    original = MigrationExecutor._create_project_state  # type: ignore[attr-defined]

    def counted(self, with_applied_migrations=False):  # type: ignore[no-untyped-def]
        built.append(with_applied_migrations)
        return original(self, with_applied_migrations=with_applied_migrations)

    monkeypatch.setattr(MigrationExecutor, "_create_project_state", counted)
    migrate_command.states_forget()
    # when every schema is migrated (in this process)
    with CaptureQueriesContext(connection) as queries:
        call_command("migrate_all", processes=1, stdout=StringIO())
    # then each got it, and the state before the migration was built once for all three
    assert stale_schemas(schemas) == []
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                ["orders", last],
            )
            assert cursor.fetchone()[0] == 1, schema
    assert built.count(True) == 1
    # and no query listed every table of the database (its cost grows with the stores)
    listing = [query["sql"] for query in queries.captured_queries if "pg_table_is_visible" in query["sql"]]
    assert listing == []
