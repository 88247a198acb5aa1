"""A cloned store keeps the template's constraint names, so later migrations find them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from apps.tenants.clone import unique_constraint_names_restore

pytestmark = pytest.mark.django_db


def _unique_names(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.connamespace = %s::regnamespace AND c.contype = 'u'",
            [schema],
        )
        return set(cursor.fetchall())


def test_a_provisioned_store_has_every_unique_constraint_name_of_the_template(alpha):
    template = _unique_names(settings.TENANT_BASE_SCHEMA)
    assert ("checkout_cartline", "checkout_line_unique_variant") in template
    assert template == _unique_names(alpha.tenant.schema_name)


def test_restoring_renames_drifted_constraints_back_only_in_the_stores_named_and_is_idempotent(alpha, beta):
    schemas = [alpha.tenant.schema_name, beta.tenant.schema_name]
    wanted = ("checkout_cartline", "checkout_line_unique_variant")
    with connection.cursor() as cursor:  # as django-tenants' clone left it before the fix
        for schema in schemas:
            cursor.execute(
                f'ALTER TABLE "{schema}".checkout_cartline RENAME CONSTRAINT checkout_line_unique_variant '
                "TO checkout_cartline_cart_id_variant_id_key"
            )
    assert not any(wanted in _unique_names(schema) for schema in schemas)
    template = settings.TENANT_BASE_SCHEMA

    assert unique_constraint_names_restore(source_schema=template, dest_schemas=schemas[:1]) == 1
    assert wanted in _unique_names(schemas[0])
    assert wanted not in _unique_names(schemas[1])  # a store not named is not touched

    assert unique_constraint_names_restore(source_schema=template, dest_schemas=schemas) == 1
    assert all(_unique_names(schema) == _unique_names(template) for schema in schemas)
    assert unique_constraint_names_restore(source_schema=template, dest_schemas=schemas) == 0


def _owned_sequences(schema: str) -> set[tuple[str, str, str]]:
    """(table, column, sequence) for every sequence a column of `schema` owns."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, a.attname, s.relname
            FROM pg_class s
            JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE s.relkind = 'S' AND s.relnamespace = %s::regnamespace
            """,
            [schema],
        )
        return set(cursor.fetchall())


def test_a_clone_owns_a_sequence_for_every_column_the_template_does(alpha):
    from apps.tenants.clone import schema_clone_from_template

    template = _owned_sequences(settings.TENANT_BASE_SCHEMA)
    assert ("orders_order", "id", "orders_order_id_seq") in template
    schema_clone_from_template("store_sequence_check")
    clone = _owned_sequences("store_sequence_check")
    # the same columns own a sequence (a table renamed by a migration keeps its old sequence
    # name in the template; the clone names it after the table, as a store always has)
    assert {(table, column) for table, column, _ in clone} == {
        (table, column) for table, column, _ in template
    }
    assert clone == _owned_sequences(alpha.tenant.schema_name)


def _structure(schema: str) -> dict[str, set[tuple[str, ...]]]:
    """Tables, columns, indexes, constraints and triggers of `schema`, the schema's name taken out
    of their definitions."""
    queries = {
        "columns": """
            SELECT t.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
                   coalesce(a.attidentity::text, ''), (d.adbin IS NOT NULL)::text
            FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE t.relnamespace = %(schema)s::regnamespace AND t.relkind IN ('r', 'p')
              AND a.attnum > 0 AND NOT a.attisdropped
        """,
        "indexes": """
            SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
            WHERE t.relnamespace = %(schema)s::regnamespace
        """,
        "constraints": """
            SELECT t.relname, c.conname, c.contype::text, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.connamespace = %(schema)s::regnamespace
        """,
        "triggers": """
            SELECT t.relname, g.tgname, pg_get_triggerdef(g.oid)
            FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
            WHERE t.relnamespace = %(schema)s::regnamespace AND NOT g.tgisinternal
        """,
    }
    found = {}
    with connection.cursor() as cursor:
        for kind, query in queries.items():
            cursor.execute(query, {"schema": schema})
            found[kind] = {
                tuple(str(v).replace(schema, "<schema>") for v in row) for row in cursor.fetchall()
            }
    return found


def test_a_clone_has_the_templates_tables_columns_indexes_constraints_and_triggers(alpha):
    """apps.tenants.clone rewrites several of django-tenants' clone_schema queries for speed:
    whatever they rewrite must still give a copy of the template."""
    from apps.tenants.clone import schema_clone_from_template

    schema_clone_from_template("store_structure_check")
    template = _structure(settings.TENANT_BASE_SCHEMA)
    clone = _structure("store_structure_check")
    assert len(template["columns"]) > 1000 and len(template["indexes"]) > 500
    for kind in template:
        assert clone[kind] == template[kind], kind
