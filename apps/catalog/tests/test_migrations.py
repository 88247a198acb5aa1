"""The catalog's data migrations keep what stores already have readable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context

from apps.catalog.models import ImportRun

BEFORE = [("catalog", "0002_initial")]
MIGRATION = ("catalog", "0003_import_codes_private_files")
MODELS = {"importrun", "importrowerror"}


def _step(*, backwards: bool) -> MigrationExecutor:
    """Unapply or apply catalog 0003 alone.

    Migrating the store to catalog 0002 would first unapply the 22 later migrations of ten apps
    that depend on it (90 s of the suite); 0003 alone is what this test is about, and no other
    migration after 0002 touches the two models (asserted below), so their tables are the same
    either way.
    """
    # Rows written in this (test) transaction would otherwise hold back the ALTER TABLEs.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([], plan=[(executor.loader.graph.nodes[MIGRATION], backwards)])
    return executor


def test_no_later_migration_touches_the_import_models():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    later = {key for key in graph.nodes if key != MIGRATION and MIGRATION in graph.forwards_plan(key)}
    touching = sorted(
        key
        for key in later
        for operation in graph.nodes[key].operations
        if MODELS & {getattr(operation, "model_name_lower", None), getattr(operation, "name_lower", None)}
    )
    assert later and touching == [], (
        f"{touching} change the import models: take the test's store through them too"
    )


@pytest.mark.django_db
def test_import_problems_stored_as_sentences_stay_readable_both_ways(alpha):
    with schema_context(alpha.tenant.schema_name):
        # given a failed run and a row problem stored as sentences, before codes
        old = _step(backwards=True).loader.project_state(BEFORE).apps
        run = old.get_model("catalog", "ImportRun").objects.create(
            kind="product_csv", status="failed", failure_reason="Old reason."
        )
        old.get_model("catalog", "ImportRowError").objects.create(
            run=run, row=2, column="sku", message="Old problem."
        )
        # when the store migrates
        _step(backwards=False)
        # then they read as before, kept as the text of the legacy code
        migrated = ImportRun.objects.get(pk=run.pk)
        problem = migrated.row_errors.get()
        assert (migrated.failure_code, migrated.failure_params) == ("legacy_text", {"text": "Old reason."})
        assert (problem.code, problem.params) == ("legacy_text", {"text": "Old problem."})
        assert (migrated.failure_reason, problem.message) == ("Old reason.", "Old problem.")
        # and going back restores the sentences
        back = _step(backwards=True).loader.project_state(BEFORE).apps
        assert back.get_model("catalog", "ImportRun").objects.get(pk=run.pk).failure_reason == "Old reason."
        assert list(
            back.get_model("catalog", "ImportRowError").objects.values_list("message", flat=True)
        ) == ["Old problem."]
        _step(backwards=False)
