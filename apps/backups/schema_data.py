"""A store schema's rows as PostgreSQL COPY text, table by table, with a checksum per table.

Everything goes through psycopg's COPY API on Django's connection, with schema-qualified names:
no pg_dump/psql binary (whose version would have to match the server's) and no search_path
assumption. A table's rows are read in primary-key order, so the same rows always give the same
bytes and the same checksum, in the source schema and in the schema they were restored into.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db import connection
from psycopg import sql

CHUNK = 1 << 16


@dataclass(frozen=True)
class TableShape:
    name: str
    # (name, type) of every column a COPY writes, in column order (generated columns left out).
    columns: tuple[tuple[str, str], ...]
    order_by: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _type in self.columns]


def schema_tables(schema: str) -> list[TableShape]:
    """The ordinary tables of `schema`, by name, with their columns and primary key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
            [schema],
        )
        tables = cursor.fetchall()
        cursor.execute(
            "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relnamespace = %s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped"
            " AND a.attgenerated = '' ORDER BY a.attrelid, a.attnum",
            [schema],
        )
        columns: dict[int, list[tuple[str, str]]] = {}
        for oid, name, type_ in cursor.fetchall():
            columns.setdefault(oid, []).append((name, type_))
        cursor.execute(
            "SELECT i.indrelid, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE c.relnamespace = %s::regnamespace AND i.indisprimary ORDER BY i.indrelid, k.n",
            [schema],
        )
        keys: dict[int, list[str]] = {}
        for oid, name in cursor.fetchall():
            keys.setdefault(oid, []).append(name)
    shapes = []
    for oid, name in tables:
        cols = tuple(columns.get(oid, ()))
        # A table without a primary key is ordered by all of its columns.
        order = tuple(keys.get(oid) or [col for col, _type in cols])
        shapes.append(TableShape(name=name, columns=cols, order_by=order))
    return shapes


def _select(schema: str, shape: TableShape) -> sql.Composed:
    return sql.SQL("COPY (SELECT {cols} FROM {table} ORDER BY {order}) TO STDOUT").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in shape.column_names),
        table=sql.Identifier(schema, shape.name),
        order=sql.SQL(", ").join(sql.Identifier(c) for c in shape.order_by),
    )


def table_copy_out(schema: str, shape: TableShape) -> Iterator[bytes]:
    """The table's rows as COPY text, in primary-key order."""
    with connection.cursor() as cursor, cursor.copy(_select(schema, shape)) as copy:
        for chunk in copy:
            yield bytes(chunk)


@dataclass
class TableDigest:
    rows: int = 0
    sha256: str = ""


def table_dump(schema: str, shape: TableShape, out: BinaryIO | None = None) -> TableDigest:
    """Write the table's rows to `out` (or nowhere) and return their count and checksum. COPY
    text escapes newlines inside values, so each row ends with the only newline it holds."""
    digest = hashlib.sha256()
    rows = 0
    for chunk in table_copy_out(schema, shape):
        digest.update(chunk)
        rows += chunk.count(b"\n")
        if out is not None:
            out.write(chunk)
    return TableDigest(rows=rows, sha256=digest.hexdigest())


def table_copy_in(schema: str, table: str, columns: list[str], source: BinaryIO) -> None:
    statement = sql.SQL("COPY {table} ({cols}) FROM STDIN").format(
        table=sql.Identifier(schema, table), cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        while chunk := source.read(CHUNK):
            copy.write(chunk)


# Past this many pages (8 KB each) a table is emptied with TRUNCATE, which costs a new file per
# table and index however small it is (5.6 s of a 12 s restore of a 1,000-product store, all
# 162 tables at once); smaller ones with DELETE. relpages is an estimate: it decides the speed only.
TRUNCATE_FROM_PAGES = 1000


def tables_empty(schema: str, tables: list[str]) -> None:
    """Remove every row of `tables` (foreign keys are deferred: the order does not matter)."""
    if not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relname = ANY(%s)"
            " AND relpages > %s",
            [schema, tables, TRUNCATE_FROM_PAGES],
        )
        large = sorted(row[0] for row in cursor.fetchall())
        if large:
            cursor.execute(
                sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(schema, t) for t in large))
            )
        for table in tables:
            if table not in large:
                cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table)))


def _sequence_names(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'S' ORDER BY relname",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def schema_sequences(schema: str) -> dict[str, list[int | bool]]:
    """Every sequence of the schema as [last_value, is_called], so a restore hands out the same
    next ids as the store would have."""
    with connection.cursor() as cursor:
        values: dict[str, list[int | bool]] = {}
        for name in _sequence_names(schema):
            cursor.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(schema, name))
            )
            last_value, is_called = cursor.fetchone()
            values[name] = [int(last_value), bool(is_called)]
    return values


def sequence_owners(schema: str) -> dict[str, list[str]]:
    """The schema's sequences that belong to a column (serial or identity), as name -> [table,
    column]. The same column's sequence is not always named alike in two stores: a table renamed
    by a migration keeps its sequence's old name in a store that was migrated, and a store
    cloned after the migration has it named after the new table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname, t.relname, a.attname FROM pg_class s"
            " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
            " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
            " WHERE s.relnamespace = %s::regnamespace AND s.relkind = 'S'",
            [schema],
        )
        return {sequence: [table, column] for sequence, table, column in cursor.fetchall()}


def sequences_set(
    schema: str, values: dict[str, list[int | bool]], owners: dict[str, list[str]] | None = None
) -> None:
    """Set each sequence of `values` (archived names) in `schema`: a sequence `owners` (archived)
    ties to a column is found by that column, whatever it is called here; any other by its name.
    Raises LookupError naming a sequence the schema has neither way."""
    quote = connection.ops.quote_name
    by_column = {tuple(owner): name for name, owner in sequence_owners(schema).items()}
    present = set(_sequence_names(schema))
    with connection.cursor() as cursor:
        for name, (last_value, is_called) in sorted(values.items()):
            owner = (owners or {}).get(name)
            target = by_column.get(tuple(owner)) if owner else None
            target = target or (name if name in present else None)
            if target is None:
                raise LookupError(name)
            cursor.execute(
                "SELECT setval(%s::regclass, %s, %s)",
                [f"{quote(schema)}.{quote(target)}", last_value, is_called],
            )


def schema_migrations(schema: str) -> list[list[str]]:
    """The schema's applied migrations as sorted [app, name] pairs (its django_migrations rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT app, name FROM {} ORDER BY app, name").format(
                sql.Identifier(schema, "django_migrations")
            )
        )
        return [[app, name] for app, name in cursor.fetchall()]


def constraints_check_now() -> None:
    """Check the deferred foreign keys of the rows written in this transaction now, so a broken
    reference fails the restore here rather than at a commit that may belong to a caller."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
