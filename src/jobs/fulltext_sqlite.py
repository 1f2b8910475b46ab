"""The SQLite pieces of the job search (the embedded default behind ``make run``), so
that it behaves as the PostgreSQL one (``jobs.fulltext``, ``jobs.selectors``) does:

- the same lexicon (``SearchWord``), kept by SQLite triggers (migration 0004) that
  split a text with ``jobs_search_words``, the Python twin of PostgreSQL's function of
  that name (the ``simple`` parser's words, 3 to 60 characters, not numbers);
- the same corrections: a word the lexicon lacks, not an English stop word, becomes
  the lexicon word one swap of adjacent letters away, else the most similar one by
  pg_trgm's ``similarity`` (computed here in Python, the same figures: "pythn" /
  "python" 0.44) of at least ``CORRECTION_THRESHOLD``, ties to the first word in
  order. One statement, with ``similarity`` registered on the connection;
- the same full text: an FTS5 table (porter stemmer; title, company, tags,
  description, location) kept by triggers, queried with web-search syntax
  (``"phrase"``, ``-excluded``, ``or``; ``core.search.sqlite``) in which each corrected
  word is OR-ed with its correction, ranked with ``bm25`` weighted as ``ts_rank_cd``
  weighs the vector (title 1, company and tags 0.4, description 0.2, location 0.1).

SQLite functions registered on every connection (``register_functions``, connected to
``connection_created``): ``similarity(a, b)`` and ``jobs_search_words(text)`` (a JSON
array). The lexicon triggers call the latter, so a write to jobs or companies from a
connection Django did not open (``sqlite3`` itself, ``manage.py dbshell``) fails with
"no such function". An SQLite built without FTS5 gets no full-text table: the search
falls back to a case-insensitive match of every word (corrections still OR-ed in).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet

from core.search import sqlite
from core.search.sqlite import ENGLISH_STOP_WORDS
from jobs.models import Job

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "jobs_job_fts"
# bm25's column weights, in the table's column order: ts_rank_cd's defaults for the
# vector's weights A (title), B (company, tags), C (description), D (location).
FTS_WEIGHTS = (1.0, 0.4, 0.4, 0.2, 0.1)


# --- pg_trgm's similarity -------------------------------------------------------------

# pg_trgm splits a text into words of letters and digits; each word, lower-cased and
# padded with two spaces before and one after, gives its three-character substrings.
_TRGM_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)
def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's ``show_trgm(text)``, as a set."""
    grams: set[str] = set()
    for word in _TRGM_WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str | None, b: str | None) -> float:
    """pg_trgm's ``similarity(a, b)``: the trigrams they share over the trigrams of
    either (0 when either has none)."""
    if a is None or b is None:
        return 0.0
    left, right = trigrams(a), trigrams(b)
    if not left or not right:
        return 0.0
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)


# --- the lexicon's words ----------------------------------------------------------------

# The ``simple`` parser's tokens, as far as job titles, places, tags and names go:
# letters and digits, joined by dots or slashes into one token ("node.js", "ci/cd");
# a hyphenated word gives itself and its parts ("full-stack", "full", "stack").
_PART = r"[^\W_]+"
_TOKEN = re.compile(rf"{_PART}(?:[./]{_PART})*(?:-{_PART}(?:[./]{_PART})*)*")
_NUMBER = re.compile(r"^[0-9.,+-]+$")


def lexicon_words(doc: str | None) -> list[str]:
    """The lexicon words of a text, sorted: PostgreSQL's ``jobs_search_words(doc)``
    (lower-cased, 3 to 60 characters, not numbers)."""
    words: set[str] = set()
    for token in _TOKEN.findall((doc or "").lower()):
        words.add(token)
        if "-" in token:
            words.update(token.split("-"))
    return sorted(w for w in words if 3 <= len(w) <= 60 and not _NUMBER.match(w))


def _lexicon_json(doc: str | None) -> str:
    return json.dumps(lexicon_words(doc))


def register_functions(
    sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any
) -> None:
    """``connection_created`` receiver: on SQLite, register ``similarity`` and
    ``jobs_search_words`` (the triggers and the corrections call them)."""
    if connection is None or connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("similarity", 2, similarity, deterministic=True)
    raw.create_function("jobs_search_words", 1, _lexicon_json, deterministic=True)


# --- corrections ------------------------------------------------------------------------

_LEXEME_SPLIT = re.compile(r"[+#]+")

# One statement, as on PostgreSQL: for each word the lexicon lacks, an adjacent-letter
# swap that is a lexicon word first, else the most similar word (ties: the first).
CORRECTION_SQL = """
SELECT w, fix FROM (
    SELECT q.key AS n, json_extract(q.value, '$.w') AS w, (
        SELECT c.word FROM (
            SELECT s.word AS word, 1.0 AS score FROM jobs_searchword AS s
            WHERE s.word IN (SELECT value FROM json_each(q.value, '$.s'))
            UNION ALL
            SELECT word, score FROM (
                SELECT s.word AS word, similarity(s.word, json_extract(q.value, '$.w')) AS score
                FROM jobs_searchword AS s
            ) WHERE score >= %s
        ) AS c
        ORDER BY c.score DESC, c.word
        LIMIT 1
    ) AS fix
    FROM json_each(%s) AS q
    WHERE NOT EXISTS (
        SELECT 1 FROM jobs_searchword AS known WHERE known.word = json_extract(q.value, '$.w')
    )
) WHERE fix IS NOT NULL
ORDER BY n
"""


def _one_lexeme(word: str) -> bool:
    """Whether the english configuration keeps the word as one lexeme: not a stop
    word, not split by ``+`` or ``#`` ("c++" is "c")."""
    parts = [part for part in _LEXEME_SPLIT.split(word) if part]
    return len(parts) == 1 and word not in ENGLISH_STOP_WORDS


def swaps(word: str) -> list[str]:
    """The word with each pair of adjacent letters swapped ("pyhton": "python", ...)."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


def corrections(words: list[str], threshold: float) -> dict[str, str]:
    """``{word: correction}`` for the candidate ``words`` (see
    ``selectors.search_corrections``): one statement, none when no word is left."""
    words = [word for word in words if _one_lexeme(word)]
    if not words:
        return {}
    payload = json.dumps([{"w": word, "s": swaps(word)} for word in words])
    with connection.cursor() as cursor:
        cursor.execute(CORRECTION_SQL, [threshold, payload])
        return dict(cursor.fetchall())


# --- the search -------------------------------------------------------------------------


def search(jobs: QuerySet[Job], text: str, fixes: dict[str, str]) -> QuerySet[Job]:
    """The jobs matching ``text`` (web-search syntax, corrected words OR-ed with their
    corrections) in ``jobs_job_fts``, annotated with ``rank``."""
    return sqlite.search(
        jobs,
        text,
        table=FTS_TABLE,
        weights=FTS_WEIGHTS,
        fields=("title", "description", "location", "company__name", "tags"),
        alternatives=fixes,
    )
