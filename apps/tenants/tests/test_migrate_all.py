from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

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
