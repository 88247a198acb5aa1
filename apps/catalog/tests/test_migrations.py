"""The catalog's data migrations keep what stores already have readable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

from apps.catalog.models import ImportRun

BEFORE = [("catalog", "0002_initial")]
AFTER = [("catalog", "0003_import_codes_private_files")]


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    # Rows written in this (test) transaction would otherwise hold back the ALTER TABLEs.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor


@pytest.mark.django_db
def test_import_problems_stored_as_sentences_stay_readable_both_ways(alpha):
    with schema_context(alpha.tenant.schema_name):
        # given a failed run and a row problem stored as sentences, before codes
        old = _migrate(BEFORE).loader.project_state(BEFORE).apps
        run = old.get_model("catalog", "ImportRun").objects.create(
            kind="product_csv", status="failed", failure_reason="Old reason."
        )
        old.get_model("catalog", "ImportRowError").objects.create(
            run=run, row=2, column="sku", message="Old problem."
        )
        # when the store migrates
        _migrate(AFTER)
        # then they read as before, kept as the text of the legacy code
        migrated = ImportRun.objects.get(pk=run.pk)
        problem = migrated.row_errors.get()
        assert (migrated.failure_code, migrated.failure_params) == ("legacy_text", {"text": "Old reason."})
        assert (problem.code, problem.params) == ("legacy_text", {"text": "Old problem."})
        assert (migrated.failure_reason, problem.message) == ("Old reason.", "Old problem.")
        # and going back restores the sentences
        back = _migrate(BEFORE).loader.project_state(BEFORE).apps
        assert back.get_model("catalog", "ImportRun").objects.get(pk=run.pk).failure_reason == "Old reason."
        assert list(
            back.get_model("catalog", "ImportRowError").objects.values_list("message", flat=True)
        ) == ["Old problem."]
        _migrate(AFTER)
