"""Cloning the template schema into a new store's schema.

django-tenants' `clone_schema` SQL function renames every cloned index back to its template name
with a query over `pg_indexes` that PostgreSQL evaluates across *all* schemas: with 200 stores it
was 0.9 s of a 1.6 s clone and it grows with every store. This module installs the same function
with that query looking up the table by (schema, name) before it computes any index definition:
by name alone the catalog returns the table of every store (the planner expects one row), and
`pg_get_indexdef` ran for all of their indexes (measured in benchmarks/bench_provisioning.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.clone import CLONE_SCHEMA_FUNCTION, CloneSchema

_SLOW_INDEX_QUERY = """SELECT old.indexname, new.indexname
      FROM pg_indexes old, pg_indexes new
      WHERE old.schemaname = source_schema
        AND new.schemaname = dest_schema
        AND old.tablename = new.tablename
        AND old.tablename = tblname
        AND old.indexname <> new.indexname
        AND regexp_replace(old.indexdef, E'.*USING','') = regexp_replace(new.indexdef, E'.*USING','')
        ORDER BY old.indexdef, new.indexdef
    """

_FAST_INDEX_QUERY = """WITH old AS MATERIALIZED (
        SELECT ci.relname AS indexname, pg_get_indexdef(ci.oid) AS indexdef
        FROM pg_index i
        JOIN pg_class ct ON ct.oid = i.indrelid
        JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE ct.relnamespace = source_schema::regnamespace AND ct.relname = tblname
      ), new AS MATERIALIZED (
        SELECT ci.relname AS indexname, pg_get_indexdef(ci.oid) AS indexdef
        FROM pg_index i
        JOIN pg_class ct ON ct.oid = i.indrelid
        JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE ct.relnamespace = dest_schema::regnamespace AND ct.relname = tblname
      )
      SELECT old.indexname, new.indexname
      FROM old, new
      WHERE old.indexname <> new.indexname
        AND regexp_replace(old.indexdef, E'.*USING','') = regexp_replace(new.indexdef, E'.*USING','')
        ORDER BY old.indexdef, new.indexdef
    """

# The sequence pass read the `pg_sequences` view (every sequence of every store, with its last
# value) twice: once per owned sequence to fetch a value it then discarded (the subquery returns
# the PL/pgSQL variable `lastvalue`, not the view's `last_value`), and once for the standalone
# sequences of the template. Both now read only the template's own sequences, same results.
_SLOW_OWNED_SEQUENCE_VALUE = (
    "(SELECT COALESCE(lastvalue, -999) as lastvalue FROM pg_sequences WHERE schemaname = source_schema "
    "AND sequencename = s.relname and sequenceowner = pg_get_userbyid (s.relowner)) as lastvalue"
)
_FAST_OWNED_SEQUENCE_VALUE = (
    "(SELECT COALESCE(lastvalue, -999) FROM pg_class sq WHERE sq.oid = s.oid) as lastvalue"
)
_SLOW_STANDALONE_SEQUENCES = "FROM pg_sequences ss where ss.schemaname = source_schema"
_FAST_STANDALONE_SEQUENCES = """FROM (
      SELECT n.nspname AS schemaname, c.relname AS sequencename, ps.seqtypid::regtype AS data_type,
        pg_get_userbyid(c.relowner) AS sequenceowner,
        CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE'::text) THEN pg_sequence_last_value(c.oid::regclass)
        ELSE NULL::bigint END AS last_value
      FROM pg_sequence ps JOIN pg_class c ON c.oid = ps.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relnamespace = source_schema::regnamespace
    ) ss where ss.schemaname = source_schema"""

# The pass over the template's sequences joined every sequence of every store to the whole of
# pg_depend before it narrowed to the template (the planner expects one sequence): 21-37 s of a
# 30-49 s clone at 1,000 stores. Narrowed to the template's own tables and sequences, and to
# pg_class dependencies (pg_depend's indexes lead with the class), it takes 0.5 s there and
# returns the same rows (the same 140 for the template). A sequence owned by a template table
# but living in another schema would no longer be found: Django makes none.
_SLOW_SEQUENCE_JOIN = (
    "JOIN pg_depend d ON t.oid = d.refobjid AND d.refobjsubid = a.attnum JOIN pg_class s ON d.objid = s.oid "
    "and s.relkind = 'S' JOIN pg_namespace sns ON s.relnamespace = sns.oid AND tns.nspname = source_schema"
)
_FAST_SEQUENCE_JOIN = (
    "JOIN pg_depend d ON t.oid = d.refobjid AND d.refobjsubid = a.attnum "
    "AND d.refclassid = 'pg_class'::regclass AND d.classid = 'pg_class'::regclass "
    "JOIN pg_class s ON d.objid = s.oid and s.relkind = 'S' "
    "AND s.relnamespace = source_schema::regnamespace AND t.relnamespace = source_schema::regnamespace "
    "JOIN pg_namespace sns ON s.relnamespace = sns.oid AND tns.nspname = source_schema"
)

# Two lookups run once per table, column or index of the template ask for the schema as text
# (`relnamespace::regnamespace::text = quote_ident(schema)`), which no index can use: the
# catalog returns the table, or the constraint, of that name in every store, and the filter
# drops all but one. With the namespace's oid, the (name, namespace) indexes find the one row.
# At 2,000 stores (2.3 million relations, catalog ANALYZEd) the unique-constraint check ran 422
# times for 1.6 s of a 4.9 s clone; the column definitions, looked up for each of the 140 rows
# of the sequence listing, took about 70 ms of that listing's 0.74 s.
_SLOW_UNIQUE_CHECK = (
    "IF NOT EXISTS (SELECT TRUE FROM pg_class c, pg_constraint ct WHERE ct.conrelid = c.oid "
    "AND c.relnamespace::regnamespace::text = quote_ident(source_schema) AND c.relname = tblname "
    "AND ct.contype IN ('u') AND ct.conname = ix_old_name)"
)
_FAST_UNIQUE_CHECK = (
    "IF NOT EXISTS (SELECT TRUE FROM pg_class c, pg_constraint ct WHERE ct.conrelid = c.oid "
    "AND c.relnamespace = to_regnamespace(quote_ident(source_schema)) AND c.relname = tblname "
    "AND ct.connamespace = to_regnamespace(quote_ident(source_schema)) "
    "AND ct.contype IN ('u') AND ct.conname = ix_old_name)"
)
_SLOW_COLUMN_TABLE = "c.relnamespace::regnamespace::text = quote_ident(in_schema) AND c.relname = in_table"
_FAST_COLUMN_TABLE = "c.relnamespace = to_regnamespace(quote_ident(in_schema)) AND c.relname = in_table"

_REPLACEMENTS = [
    (_SLOW_INDEX_QUERY, _FAST_INDEX_QUERY, 2),
    (_SLOW_UNIQUE_CHECK, _FAST_UNIQUE_CHECK, 2),
    (_SLOW_COLUMN_TABLE, _FAST_COLUMN_TABLE, 1),
    (_SLOW_SEQUENCE_JOIN, _FAST_SEQUENCE_JOIN, 2),
    (_SLOW_OWNED_SEQUENCE_VALUE, _FAST_OWNED_SEQUENCE_VALUE, 1),
    (_SLOW_STANDALONE_SEQUENCES, _FAST_STANDALONE_SEQUENCES, 1),
]
FAST_CLONE_SCHEMA_FUNCTION = CLONE_SCHEMA_FUNCTION
for _slow, _fast, _count in _REPLACEMENTS:
    if FAST_CLONE_SCHEMA_FUNCTION.count(_slow) != _count:  # pragma: no cover - guards an upgrade
        raise ImportError("django-tenants' clone_schema changed; review apps/tenants/clone.py")
    FAST_CLONE_SCHEMA_FUNCTION = FAST_CLONE_SCHEMA_FUNCTION.replace(_slow, _fast)


class StoreSchemaCloner(CloneSchema):
    def _create_clone_schema_function(self) -> None:
        db_user = settings.DATABASES["default"].get("USER", None) or "postgres"
        with connection.cursor() as cursor:
            cursor.execute(FAST_CLONE_SCHEMA_FUNCTION.format(db_user=db_user))

    def clone_store_schema(self, base_schema_name: str, new_schema_name: str) -> None:
        """Structure and rows, without re-granting privileges or re-assigning owners: one
        database role owns every schema here, and the ACL pass reads the privileges of every
        table of every store through information_schema (0.45 s of a 1.6 s clone at 200 stores)."""
        self._create_clone_schema_function()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT clone_schema(%s, %s, 'DATA', 'NOACL', 'NOOWNER')", [base_schema_name, new_schema_name]
            )


# django-tenants' clone (CREATE TABLE ... LIKE ... INCLUDING ALL) gives unique constraints
# PostgreSQL's default names and deliberately leaves them so ("Issue#133"): a store's
# `checkout_line_unique_variant` became `checkout_cartline_cart_id_variant_id_key`, and any later
# migration that alters or drops a named unique constraint failed on every cloned store. Each
# constraint of the clone is renamed to its template's name, paired by table and definition.
#
# One query for any number of stores: it reads pg_constraint once (a sequential scan: there is
# no index by namespace) and computes definitions only for constraints whose name the template's
# table lacks, which is none once a store is right. Asked per store, as it first was, the
# planner walked every store's table of each name: 1.1 s a store at 100 stores, quadratic in
# migrate_all (benchmarks/bench_scale.py).
_UNIQUE_RENAMES = """
    WITH stores AS MATERIALIZED (
        SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY(%(dest)s)
    ), template AS MATERIALIZED (
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.connamespace = %(source)s::regnamespace AND c.contype = 'u'
    ), misnamed AS MATERIALIZED (
        SELECT stores.oid AS namespace, stores.nspname, t.relname, c.conname, c.oid
        FROM pg_constraint c
        JOIN stores ON stores.oid = c.connamespace
        JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'u'
          AND NOT EXISTS (
            SELECT 1 FROM template WHERE template.relname = t.relname AND template.conname = c.conname
          )
    )
    SELECT misnamed.nspname, misnamed.relname, misnamed.conname, template.conname
    FROM misnamed
    JOIN template ON template.relname = misnamed.relname AND template.def = pg_get_constraintdef(misnamed.oid)
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_constraint taken
        WHERE taken.conname = template.conname AND taken.connamespace = misnamed.namespace
    )
    ORDER BY 1, 2, 3
"""


def unique_constraint_names_restore(*, source_schema: str, dest_schemas: list[str]) -> int:
    """Give the unique constraints of `dest_schemas` the names they have in `source_schema`
    (same table, same definition); returns how many were renamed. Renaming a constraint renames
    its index."""
    if not dest_schemas:
        return 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(_UNIQUE_RENAMES, {"source": source_schema, "dest": dest_schemas})
        renames = cursor.fetchall()
        for schema, table, current, wanted in renames:
            cursor.execute(
                f"ALTER TABLE {quote(schema)}.{quote(table)} RENAME CONSTRAINT {quote(current)} TO {quote(wanted)}"
            )
    return len(renames)


def schema_clone_from_template(schema_name: str) -> None:
    """Clone TENANT_BASE_SCHEMA (structure and rows) into `schema_name`, then migrate it.

    When the template lags the code (a deploy whose migrate_all has not run yet), the clone is
    migrated for real rather than having migrations faked onto tables it does not have.
    """
    from apps.tenants.migrations_state import stale_schemas

    StoreSchemaCloner().clone_store_schema(settings.TENANT_BASE_SCHEMA, schema_name)
    unique_constraint_names_restore(source_schema=settings.TENANT_BASE_SCHEMA, dest_schemas=[schema_name])
    if stale_schemas([schema_name]):
        call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0)
