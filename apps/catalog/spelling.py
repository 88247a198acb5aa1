"""Spelling correction for product search: misspelt words of a query are matched against the
store's vocabulary (`SearchTerm`: the words of its product titles, vendors, types and tags).

Trigram similarity alone cannot tell "hoddie" or "ohodie" from "hoodie" at a threshold that
keeps precision (0.4 and 0.27 against the 0.5 the title match needs), and short words fare
worse ("mgu" shares one trigram with "mug"). So candidates come from the database in one
query, per query word: the words with the same letters (every swap of letters) and the nearest
words by trigram distance (served by the GiST index); then the optimal string alignment
distance (Damerau-Levenshtein where each letter is edited once), computed here on those few
candidates, decides. PostgreSQL's `fuzzystrmatch` is not available on every server we run on
(the embedded one), and it has no transposition-aware distance anyway.

How far a correction may go grows with the word, so that short words are not bent into other
short words ("cap" is not "cup"): 3-4 letters only a swap of two neighbours, 5-7 letters one
edit, 8 or more two edits.
"""

from __future__ import annotations

import re

from django.db import connection

from apps.catalog.models import SearchTerm

WORD_PATTERN = re.compile(r"[^\W_]+")
MIN_WORD_LENGTH = 3
MAX_WORD_LENGTH = SearchTerm._meta.get_field("word").max_length or 60
# Words of a query looked up, and nearest candidates fetched per word: both bound the one query.
MAX_QUERY_WORDS = 8
NEAREST_CANDIDATES = 20
MAX_CORRECTIONS_PER_WORD = 3


def search_words(text: str) -> list[str]:
    """The words of `text` as the vocabulary stores them: lower case, letters and digits only."""
    return WORD_PATTERN.findall(text.lower())


def letters_key(word: str) -> str:
    """The word's letters in code-point order (what `SearchTerm.letters` holds; the SQL side
    sorts with COLLATE "C", the same order for UTF-8)."""
    return "".join(sorted(word))


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters each count one ("hoodei" -> "hoodie" is 1, Levenshtein says 2)."""
    if a == b:
        return 0
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[len(b)]


def edits_allowed(word: str) -> int:
    """How many edits a correction of `word` may make (see the module docstring)."""
    if len(word) < MIN_WORD_LENGTH:
        return 0
    if len(word) < 8:
        return 1
    return 2


def correction_accepted(word: str, candidate: str) -> int | None:
    """The distance from `word` to `candidate` when it is close enough to correct to, else None."""
    allowed = edits_allowed(word)
    if not allowed or candidate == word:
        return None
    if len(word) <= 4 and (letters_key(word) != letters_key(candidate) or len(candidate) != len(word)):
        return None  # short words: only a swap of letters
    distance = osa_distance(word, candidate)
    return distance if distance <= allowed else None


_CANDIDATES_SQL = """
SELECT q.word, t.word
FROM unnest(%s::text[], %s::text[]) AS q(word, letters)
CROSS JOIN LATERAL (
    (SELECT s.word FROM {table} s WHERE s.letters = q.letters LIMIT {nearest})
    UNION
    (SELECT s.word FROM {table} s ORDER BY s.word <-> q.word LIMIT {nearest})
) AS t
"""


def _candidates(words: list[str]) -> dict[str, set[str]]:
    sql = _CANDIDATES_SQL.format(table=SearchTerm._meta.db_table, nearest=NEAREST_CANDIDATES)
    found: dict[str, set[str]] = {word: set() for word in words}
    with connection.cursor() as cursor:
        cursor.execute(sql, [words, [letters_key(word) for word in words]])
        for word, candidate in cursor.fetchall():
            found[word].add(candidate)
    return found


def spelling_corrections(query: str) -> dict[str, list[str]]:
    """For each word of `query` the vocabulary does not know, the known words it is most likely
    a misspelling of (the closest ones, at most three); words that are known, too short or too
    far from every known word are left out. One query, or none when no word is long enough."""
    words = [
        word for word in dict.fromkeys(search_words(query)) if MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH
    ][:MAX_QUERY_WORDS]
    if not words:
        return {}
    corrections: dict[str, list[str]] = {}
    for word, candidates in _candidates(words).items():
        if word in candidates:
            continue  # a word of the store's own: nothing to correct
        # Fewest edits first; between equals, a word with the same letters (a swap keeps every
        # letter typed: "hoodei" is "hoodie" rather than "hooded").
        scored = sorted(
            ((distance, letters_key(candidate) != letters_key(word)), candidate)
            for candidate in candidates
            if (distance := correction_accepted(word, candidate)) is not None
        )
        if scored:
            best = scored[0][0]
            corrections[word] = [c for score, c in scored if score == best][:MAX_CORRECTIONS_PER_WORD]
    return corrections
