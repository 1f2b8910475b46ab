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
  (``"phrase"``, ``-excluded``, ``or``) in which each corrected word is OR-ed with its
  correction, ranked with ``bm25`` weighted as ``ts_rank_cd`` weighs the vector
  (title 1, company and tags 0.4, description 0.2, location 0.1).

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
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import FloatField, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL

from jobs.models import Job

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

FTS_TABLE = "jobs_job_fts"
# bm25's column weights, in the table's column order: ts_rank_cd's defaults for the
# vector's weights A (title), B (company, tags), C (description), D (location).
FTS_WEIGHTS = (1.0, 0.4, 0.4, 0.2, 0.1)

# PostgreSQL's english stop words (tsearch_data/english.stop): the english
# configuration drops them from a query, so they are neither searched nor corrected.
_STOP_WORDS = (
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself",
    "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which",
    "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be",
    "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an",
    "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for",
    "with", "about", "against", "between", "into", "through", "during", "before", "after",
    "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under",
    "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not",
    "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don",
    "should", "now",
)  # fmt: skip
ENGLISH_STOP_WORDS = frozenset(_STOP_WORDS)

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
    (compiled,) = raw.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()
    connection.jobs_fts5 = bool(compiled)  # type: ignore[attr-defined]  # read by fts_available


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


# --- web-search syntax ------------------------------------------------------------------

_QUERY_WORD = re.compile(r"[^\W_]+(?:[+#.][^\W_]*)*", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """A word (corrections OR-ed in) or a quoted phrase (searched as written)."""

    words: tuple[str, ...]
    phrase: bool = False
    negated: bool = False


def websearch(text: str) -> list[list[Term]]:
    """``websearch_to_tsquery``'s reading of a text: groups joined by ``or``, each the
    AND of its terms; ``-`` before a word or a phrase excludes it. Stop words are
    dropped from plain words, as the english configuration drops them."""
    groups: list[list[Term]] = [[]]
    negate = False
    for match in re.finditer(r'(-?)"([^"]*)"?|(\S+)', text):
        if match.group(3) is None:  # a quoted phrase
            words = tuple(w.lower() for w in _QUERY_WORD.findall(match.group(2)))
            if words:
                groups[-1].append(Term(words, phrase=True, negated=negate or bool(match[1])))
            negate = False
            continue
        token = match.group(3)
        if token.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        if token == "-":  # noqa: S105  (web-search syntax, not a secret)
            negate = True
            continue
        if token.startswith("-"):
            negate, token = True, token[1:]
        words = tuple(
            w.lower() for w in _QUERY_WORD.findall(token) if w.lower() not in ENGLISH_STOP_WORDS
        )
        if negate and words:
            groups[-1].append(Term(words, phrase=len(words) > 1, negated=True))
        else:
            groups[-1].extend(Term((word,)) for word in words)
        negate = False
    return [group for group in groups if group]


def _quoted(words: tuple[str, ...]) -> str:
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def _fts_term(term: Term, fixes: dict[str, str]) -> str:
    if term.phrase or term.negated or term.words[0] not in fixes:
        return _quoted(term.words)
    return f"({_quoted(term.words)} OR {_quoted((fixes[term.words[0]],))})"


# --- the search -------------------------------------------------------------------------


def fts_available() -> bool:
    """Whether this SQLite has FTS5, so that migration 0004 made the FTS5 table (read
    when the connection opened: no query)."""
    return bool(getattr(connection, "jobs_fts5", False))


class FtsRank(Expression):
    """``-bm25`` of the job's row for an FTS5 query (higher is better), 0 without."""

    output_field = FloatField()

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        # The job's id under the alias the query gives jobs_job (U0 in a subquery).
        column = Job._meta.get_field("id").get_col(compiler.query.get_initial_alias())
        pk, params = compiler.compile(column)
        weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
        sql = (
            f"COALESCE((SELECT -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = {pk}), 0.0)"
        )
        return sql, [self.query, *params]


def _matching(query: str) -> Q:
    # The table's name is a constant; the query is a parameter.
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
    return Q(pk__in=RawSQL(sql, [query]))  # noqa: S611


def search(jobs: QuerySet[Job], text: str, fixes: dict[str, str]) -> QuerySet[Job]:
    """The jobs matching ``text`` (web-search syntax, corrected words OR-ed with their
    corrections), annotated with ``rank``."""
    groups = websearch(text)
    if not groups:
        # Only stop words: PostgreSQL's empty query matches nothing.
        return jobs.annotate(rank=Value(0.0, output_field=FloatField())).none()
    if not fts_available():
        return _search_like(jobs, groups, fixes)
    condition = Q()
    positives = []
    for group in groups:
        plain = [_fts_term(term, fixes) for term in group if not term.negated]
        excluded = [_fts_term(term, fixes) for term in group if term.negated]
        if plain:
            positives.extend(plain)
            query = " AND ".join(plain) + "".join(f" NOT {term}" for term in excluded)
            part = _matching(query)
        else:
            part = ~_matching(" OR ".join(excluded))
        condition |= part
    rank: Any = FtsRank(" OR ".join(positives)) if positives else Value(0.0)
    return jobs.filter(condition).annotate(rank=rank)


def _contains(word: str) -> Q:
    return (
        Q(title__icontains=word)
        | Q(description__icontains=word)
        | Q(location__icontains=word)
        | Q(company__name__icontains=word)
        | Q(tags__icontains=word)
    )


def _search_like(
    jobs: QuerySet[Job], groups: list[list[Term]], fixes: dict[str, str]
) -> QuerySet[Job]:
    """Without FTS5: every word contained anywhere (a phrase as written)."""
    condition = Q()
    for group in groups:
        part = Q()
        for term in group:
            words = [" ".join(term.words)]
            if not term.phrase and not term.negated and term.words[0] in fixes:
                words.append(fixes[term.words[0]])
            found = Q()
            for word in words:
                found |= _contains(word)
            part &= ~found if term.negated else found
        condition |= part
    return jobs.filter(condition).annotate(rank=Value(0.0, output_field=FloatField()))
