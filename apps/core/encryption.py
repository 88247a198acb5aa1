"""Secrets the platform must read back, stored encrypted: a webhook endpoint's signing secrets,
a store's SMS provider token, a supplier connector's app secret and access token.

`EncryptedCharField` keeps its value as Fernet ciphertext (AES-128-CBC with an HMAC-SHA256) in a
`text` column, marked with `PREFIX`; the model attribute is the plain value.
`EncryptedKeysJSONField` does the same for the named top-level keys of a JSON object (a
supplier's `connector_config`): the other keys stay readable JSON, the secret ones hold
ciphertext. A database dump, a read replica or a store archive therefore holds no usable secret
without the platform's key.

The keys are derived from `SECRET_KEY` and each of `SECRET_KEY_FALLBACKS`: values are encrypted
with the first and read with any, so rotating `SECRET_KEY` the Django way (the old key moved to
the fallbacks) keeps every stored secret readable; saving a row again encrypts it with the new
key. A value without the prefix (written before the field was encrypted, by raw SQL) is read as
it is, and encrypted on its next save; one no key decrypts (a store archive from another
platform) is read as empty and logged, so the pages that replace it still open. An empty value stays empty, so `blank` keeps its meaning
(and constraints on `""` still hold). Lookups by value cannot match: the same value encrypts
differently every time, so they are refused (a secret JSON key cannot be filtered, ordered or
selected by, nor the whole object compared with one holding a secret).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import Exact, Lookup
from django.utils.crypto import salted_hmac
from psycopg import sql

logger = logging.getLogger(__name__)

PREFIX = "enc1:"
_KEY_SALT = "apps.core.encryption"


@lru_cache(maxsize=4)
def _fernet(secret_keys: tuple[str, ...]) -> MultiFernet:
    keys = [
        Fernet(
            base64.urlsafe_b64encode(
                salted_hmac(_KEY_SALT, "fernet", secret=key, algorithm="sha256").digest()
            )
        )
        for key in secret_keys
    ]
    return MultiFernet(keys)


def _current() -> MultiFernet:
    return _fernet((settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt(value: str) -> str:
    return PREFIX + _current().encrypt(value.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain value of `stored`; raises cryptography's InvalidToken when no key reads it."""
    if not stored.startswith(PREFIX):
        return stored
    return _current().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()


class _EmptyOnlyExact(Exact):
    """`field=""` (blank, and constraints on it) works; `field="value"` could never match a
    ciphertext, so it is refused rather than silently finding nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(f"{self.lhs.target.name} is stored encrypted and cannot be looked up by value.")
        return super().get_prep_lookup()


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A CharField whose value is stored encrypted (see the module). `max_length` bounds the
    plain value, as forms and validation see it; the column is `text`, as ciphertext is longer.
    Only `isnull` and `exact` with an empty value can be looked up."""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def db_type(self, connection: Any) -> str:
        return "text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken:
            # Encrypted under a key this platform does not have (a store archive from another
            # platform): read as empty, so the pages that replace it still open.
            logger.error(
                "%s.%s holds a value no key of this platform decrypts", self.model.__name__, self.name
            )
            return ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if not value else encrypt(value)


class EncryptedKeysJSONField(models.JSONField):  # type: ignore[type-arg]
    """A JSONField holding an object whose top-level `secret_keys` are stored encrypted (see the
    module): a non-empty string under one of them is ciphertext in the column and the plain value
    in the attribute; every other key, and a secret key's empty or non-string value, is stored as
    it is. A key of that name cannot be looked up, ordered or selected by (at any depth: a key
    lookup does not know its depth), nor can the whole value be compared with an object holding
    a secret; `has_key` and `isnull` work."""

    def __init__(self, *args: Any, secret_keys: tuple[str, ...], **kwargs: Any) -> None:
        self.secret_keys = tuple(secret_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["secret_keys"] = self.secret_keys
        return name, path, args, kwargs

    def get_transform(self, name: str) -> Any:
        if name in self.secret_keys:
            raise FieldError(
                f"{self.name}.{name} is stored encrypted and cannot be looked up, ordered or selected by."
            )
        return super().get_transform(name)

    def get_lookup(self, lookup_name: str) -> Any:
        lookup = super().get_lookup(lookup_name)
        if lookup is None or lookup_name in _KEY_ONLY_LOOKUPS:
            return lookup
        return _secret_values_refused(lookup)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if not isinstance(value, dict) or isinstance(expression, KeyTransform):
            return value
        return {
            key: self._plain(key, item) if key in self.secret_keys else item for key, item in value.items()
        }

    def _plain(self, key: str, stored: Any) -> Any:
        if not isinstance(stored, str) or not stored:
            return stored
        try:
            return decrypt(stored)
        except InvalidToken:
            # As EncryptedCharField: read as empty, so the pages that replace it still open.
            logger.error(
                "%s.%s[%s] holds a value no key of this platform decrypts",
                self.model.__name__,
                self.name,
                key,
            )
            return ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not isinstance(value, dict):
            return value
        return {key: encrypt(item) if _is_secret(self, key, item) else item for key, item in value.items()}


# Lookups on an EncryptedKeysJSONField that compare no value: they work on ciphertext as well.
_KEY_ONLY_LOOKUPS = frozenset({"isnull", "has_key", "has_keys", "has_any_keys"})


def _is_secret(field: EncryptedKeysJSONField, key: str, value: Any) -> bool:
    return key in field.secret_keys and isinstance(value, str) and bool(value)


_REFUSING_LOOKUPS: dict[type[Lookup], type[Lookup]] = {}


def _secret_values_refused(lookup: type[Lookup]) -> type[Lookup]:
    """`lookup`, refusing a right-hand side (or, for `in`, one of its items) holding a secret: it
    would be encrypted afresh and could never match what is stored. One class per lookup."""
    if lookup in _REFUSING_LOOKUPS:
        return _REFUSING_LOOKUPS[lookup]

    def get_prep_lookup(self: Lookup) -> Any:
        field: Any = self.lhs.output_field
        values = (
            self.rhs if self.lookup_name == "in" and isinstance(self.rhs, list | tuple | set) else [self.rhs]
        )
        for value in values:
            if isinstance(value, dict) and any(_is_secret(field, key, item) for key, item in value.items()):
                raise FieldError(
                    f"{field.name} stores {', '.join(field.secret_keys)} encrypted: a value holding one"
                    " cannot be looked up."
                )
        return lookup.get_prep_lookup(self)

    refusing = type(lookup.__name__, (lookup,), {"get_prep_lookup": get_prep_lookup})
    _REFUSING_LOOKUPS[lookup] = refusing
    return refusing


def column_encrypt_forwards(table: str, column: str, *, max_bytes: int | None = None) -> Any:
    """A RunPython step that encrypts every stored value of `table.column` not yet encrypted
    (raw SQL in the schema being migrated: no model, so no field decrypting on the way). With
    `max_bytes`, a longer value (its ciphertext would not fit the column) is left as it is, with
    a warning: it keeps working as plain text until somebody enters it again."""

    def encrypted(value: str, where: str) -> str:
        if value.startswith(PREFIX):
            return value
        if max_bytes is not None and len(value.encode()) > max_bytes:
            logger.warning("%s is too long to encrypt; left as it is", where)
            return value
        return encrypt(value)

    def run(apps: Any, schema_editor: Any) -> None:
        _column_rewrite(schema_editor.connection, table, column, encrypted)

    return run


def column_encrypt_backwards(table: str, column: str) -> Any:
    """The reverse of `column_encrypt_forwards`: every value back to plain text. One no key of
    this platform decrypts (from another platform's archive) is left as it is, with a warning:
    it was unreadable before and stays so."""

    def decrypted(value: str, where: str) -> str:
        try:
            return decrypt(value)
        except InvalidToken:
            logger.warning("%s cannot be decrypted; left as it is", where)
            return value

    def run(apps: Any, schema_editor: Any) -> None:
        _column_rewrite(schema_editor.connection, table, column, decrypted)

    return run


def _column_rewrite(connection: Any, table: str, column: str, change: Any, *, write: bool = True) -> None:
    names = {"table": sql.Identifier(table), "column": sql.Identifier(column)}
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT id, {column} FROM {table} WHERE {column} <> ''").format(**names))
        for pk, value in cursor.fetchall():
            changed = change(value, f"{table}.{column}#{pk}")
            if changed != value and write:
                cursor.execute(
                    sql.SQL("UPDATE {table} SET {column} = %s WHERE id = %s").format(**names), [changed, pk]
                )


def json_keys_encrypt_forwards(table: str, column: str, keys: tuple[str, ...]) -> Any:
    """A RunPython step that encrypts, in every stored object of `table.column`, the values of
    `keys` not yet encrypted (raw SQL, as `column_encrypt_forwards`)."""

    def run(apps: Any, schema_editor: Any) -> None:
        _json_keys_rewrite(
            schema_editor.connection,
            table,
            column,
            keys,
            lambda value, where: value if value.startswith(PREFIX) else encrypt(value),
        )

    return run


def json_keys_encrypt_backwards(table: str, column: str, keys: tuple[str, ...]) -> Any:
    """The reverse of `json_keys_encrypt_forwards`: those values back to plain text."""

    def run(apps: Any, schema_editor: Any) -> None:
        _json_keys_rewrite(schema_editor.connection, table, column, keys, lambda value, where: decrypt(value))

    return run


def _json_keys_rewrite(
    connection: Any, table: str, column: str, keys: tuple[str, ...], change: Any, *, write: bool = True
) -> None:
    names = {"table": sql.Identifier(table), "column": sql.Identifier(column)}
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT id, {column}::text FROM {table} WHERE jsonb_typeof({column}) = 'object' AND {column} ?| %s"
            ).format(**names),
            [list(keys)],
        )
        for pk, text in cursor.fetchall():
            stored = json.loads(text)
            changed = {
                key: change(value, f"{table}.{column}[{key}]#{pk}")
                if key in keys and isinstance(value, str) and value
                else value
                for key, value in stored.items()
            }
            if changed != stored and write:
                cursor.execute(
                    sql.SQL("UPDATE {table} SET {column} = %s::jsonb WHERE id = %s").format(**names),
                    [json.dumps(changed), pk],
                )


# ------------------------------------------------------------------------------
# re-encrypting under the current key (after SECRET_KEY is rotated)
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EncryptedColumn:
    """A column holding values of this module: whole (`keys` empty) or the `keys` of a JSON
    object. `max_bytes`: a plain value longer than this stays plain (its ciphertext would not
    fit the column)."""

    table: str
    column: str
    keys: tuple[str, ...] = ()
    max_bytes: int | None = None


@dataclass
class Reencrypted:
    """What `columns_reencrypt` did (or, dry, would do) in one schema."""

    rewritten: int = 0  # under an older key (or plain): now under the current one
    current: int = 0  # already under the current key
    unreadable: list[str] = field(default_factory=list)  # "table.column#id" no key decrypts


def encrypted_columns() -> list[EncryptedColumn]:
    """The columns of every installed model stored through `EncryptedCharField` or
    `EncryptedKeysJSONField`."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for model_field in model._meta.local_fields:
            if model_field.column is None:
                continue
            if isinstance(model_field, EncryptedCharField):
                found.append(EncryptedColumn(model._meta.db_table, model_field.column))
            elif isinstance(model_field, EncryptedKeysJSONField):
                found.append(
                    EncryptedColumn(model._meta.db_table, model_field.column, keys=model_field.secret_keys)
                )
    return found


def columns_reencrypt(
    connection: Any, columns: list[EncryptedColumn], *, dry_run: bool = False
) -> Reencrypted:
    """Re-encrypt, in the schema `connection` is on, every value of `columns` that the current
    `SECRET_KEY` did not encrypt (one written under a key now in `SECRET_KEY_FALLBACKS`, or a
    plain one written before encryption), so the fallback can be dropped. A value no key
    decrypts is left as it is and named. Tables the schema does not have are skipped."""
    done = Reencrypted()
    newest = _fernet((settings.SECRET_KEY,))
    tables = set(connection.introspection.table_names())

    def reencrypted(max_bytes: int | None) -> Any:
        def change(value: str, where: str) -> str:
            if not value.startswith(PREFIX):
                if max_bytes is not None and len(value.encode()) > max_bytes:
                    logger.warning("%s is plain and too long to encrypt; left as it is", where)
                    return value
                done.rewritten += 1
                return encrypt(value)
            token = value[len(PREFIX) :].encode("ascii")
            try:
                newest.decrypt(token)
            except InvalidToken:
                pass
            else:
                done.current += 1
                return value
            try:
                rotated = PREFIX + _current().rotate(token).decode("ascii")
            except InvalidToken:
                done.unreadable.append(where)
                return value
            done.rewritten += 1
            return rotated

        return change

    for column in columns:
        if column.table not in tables:
            continue
        change = reencrypted(column.max_bytes)
        if column.keys:
            _json_keys_rewrite(
                connection, column.table, column.column, column.keys, change, write=not dry_run
            )
        else:
            _column_rewrite(connection, column.table, column.column, change, write=not dry_run)
    return done
