"""Invoice and credit note numbers: gap-free per store and series, under any concurrency.

Each series has one `InvoiceCounter` row. `invoice_sequence_next` makes sure the row exists
(`INSERT ... ON CONFLICT DO NOTHING`), locks it with SELECT ... FOR UPDATE, bumps it and returns
the new value, all inside the transaction that inserts the document. A concurrent issue waits on
the lock until that transaction ends and then reads the committed value; a rolled-back issue
leaves the counter where it was. So every committed document gets the next number, none is
skipped and none is handed out twice. Callers take the number as the last step before the
INSERT, so the lock is held only for a few statements.

The printed number is the store's format (`InvoiceSettings`) applied to the sequence, e.g.
"INV-{year}-{number:05d}" -> "INV-2026-00042"; `number_format_check` keeps formats to the three
placeholders so a format can never read anything but those.
"""

from __future__ import annotations

import string
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext as _

from apps.invoices.models import InvoiceCounter

PLACEHOLDERS = frozenset({"number", "year", "month"})
NUMBER_MAX_LENGTH = 60


def number_format_check(fmt: str) -> str:
    """ "" when `fmt` is usable, else the reason in the active language."""
    if "{number" not in fmt:
        return _("The format must contain {number}.")
    try:
        for _literal, field, spec, conversion in string.Formatter().parse(fmt):
            if field is None:
                continue
            if field not in PLACEHOLDERS or conversion is not None or (spec and "{" in spec):
                return _("Only {number}, {year} and {month} may be used in the format.")
        sample = number_format_apply(fmt, sequence=99999, when=datetime(2030, 12, 31))
    except (ValueError, KeyError, IndexError, TypeError):
        return _("The format is not valid; e.g. INV-{year}-{number:05d}.")
    if len(sample) > NUMBER_MAX_LENGTH:
        return _("Numbers made with this format are too long.")
    if any(not (char.isalnum() or char in "-_/. #") for char in sample):
        return _("Use only letters, digits, spaces and - _ / . # in the format.")
    return ""


def number_format_apply(fmt: str, *, sequence: int, when: datetime) -> str:
    return fmt.format(number=sequence, year=when.year, month=f"{when.month:02d}")


def invoice_sequence_next(kind: str) -> int:
    """The next sequence of series `kind` in the current store; inside the issuing transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("invoice_sequence_next() must run inside the transaction that issues the document")
    table = connection.ops.quote_name(InvoiceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, last_number) VALUES (%s, 0) ON CONFLICT (kind) DO NOTHING",  # noqa: S608
            [kind],
        )
    counter = InvoiceCounter.objects.select_for_update().get(kind=kind)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
