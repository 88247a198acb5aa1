"""Secrets the platform must read back, stored encrypted: a webhook endpoint's signing secrets,
a store's SMS provider token.

`EncryptedCharField` keeps its value as Fernet ciphertext (AES-128-CBC with an HMAC-SHA256) in a
`text` column, marked with `PREFIX`; the model attribute is the plain value. A database dump, a
read replica or a store archive therefore holds no usable secret without the platform's key.

The keys are derived from `SECRET_KEY` and each of `SECRET_KEY_FALLBACKS`: values are encrypted
with the first and read with any, so rotating `SECRET_KEY` the Django way (the old key moved to
the fallbacks) keeps every stored secret readable; saving a row again encrypts it with the new
key. A value without the prefix (written before the field was encrypted, by raw SQL) is read as
it is, and encrypted on its next save; one no key decrypts (a store archive from another
platform) is read as empty and logged, so the pages that replace it still open. An empty value stays empty, so `blank` keeps its meaning
(and constraints on `""` still hold). Lookups by value cannot match: the same value encrypts
differently every time.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact
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


def column_encrypt_forwards(table: str, column: str) -> Any:
    """A RunPython step that encrypts every stored value of `table.column` not yet encrypted
    (raw SQL in the schema being migrated: no model, so no field decrypting on the way)."""

    def run(apps: Any, schema_editor: Any) -> None:
        _column_rewrite(
            schema_editor, table, column, lambda value: value if value.startswith(PREFIX) else encrypt(value)
        )

    return run


def column_encrypt_backwards(table: str, column: str) -> Any:
    """The reverse of `column_encrypt_forwards`: every value back to plain text."""

    def run(apps: Any, schema_editor: Any) -> None:
        _column_rewrite(schema_editor, table, column, decrypt)

    return run


def _column_rewrite(schema_editor: Any, table: str, column: str, change: Any) -> None:
    names = {"table": sql.Identifier(table), "column": sql.Identifier(column)}
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT id, {column} FROM {table} WHERE {column} <> ''").format(**names))
        for pk, value in cursor.fetchall():
            cursor.execute(
                sql.SQL("UPDATE {table} SET {column} = %s WHERE id = %s").format(**names), [change(value), pk]
            )
