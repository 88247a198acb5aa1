"""The search vocabulary (`SearchTerm`): the words of product titles, vendors, types and tags
that misspelt search words are corrected against (apps.catalog.spelling).

Words are split and lower-cased in SQL the way `apps.catalog.spelling.search_words` does it in
Python (runs of letters and digits), and their letters sorted with COLLATE "C" (code-point
order, as Python's `sorted`), so a query word and a stored word meet on equal keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from apps.catalog.models import Product, SearchTerm
from apps.catalog.spelling import MAX_WORD_LENGTH, MIN_WORD_LENGTH

_WORDS_SQL = """
INSERT INTO {terms} (word, letters)
SELECT w, (SELECT string_agg(c, '' ORDER BY c COLLATE "C") FROM regexp_split_to_table(w, '') AS c)
FROM (
    SELECT DISTINCT w
    FROM {products} p,
        regexp_split_to_table(
            lower(concat_ws(' ', p.title, p.vendor, p.product_type, array_to_string(p.tags, ' '))),
            '[^[:alnum:]]+'
        ) AS w
    {where}
) AS words
WHERE char_length(w) BETWEEN {shortest} AND {longest}
ON CONFLICT (word) DO NOTHING
"""


def _words_sql(*, where: str) -> str:
    return _WORDS_SQL.format(
        terms=SearchTerm._meta.db_table,
        products=Product._meta.db_table,
        where=where,
        shortest=MIN_WORD_LENGTH,
        longest=MAX_WORD_LENGTH,
    )


def search_terms_add(*, product_ids: Iterable[int]) -> None:
    """Add the words of these products to the vocabulary (one statement; known words are kept)."""
    ids = list(product_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_words_sql(where="WHERE p.id = ANY(%s)"), [ids])


@transaction.atomic
def search_terms_rebuild() -> int:
    """Rebuild the vocabulary from every product, so the words of deleted or renamed products
    stop being corrected to. Returns the number of words kept."""
    SearchTerm.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(_words_sql(where=""))
    return SearchTerm.objects.count()
