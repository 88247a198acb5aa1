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
