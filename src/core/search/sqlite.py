"""SQLite full text (FTS5) that reads and matches a query as PostgreSQL's english
configuration does, for the contexts' searches on the embedded default.

- ``websearch``: ``websearch_to_tsquery``'s reading of a text (groups joined by ``or``,
  each the AND of its words and ``"quoted phrases"``; ``-`` excludes a word or a
  phrase; English stop words dropped).
- ``search``: the rows of a queryset matching such a text in a context's FTS5 table
  (``rowid`` the row's id; a porter tokenizer stems as the english configuration
  does), annotated with ``rank``: ``-bm25`` weighted per column as ``ts_rank`` weighs
  a vector's A/B/C/D (1, 0.4, 0.2, 0.1). ``alternatives`` OR a word with another
  (typo corrections). A context's migration keeps its table with triggers.
- An SQLite built without FTS5 (``fts5_available``, read when a connection opens, no
  query): every word contained in one of the context's fields, ``rank`` 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import FloatField, Model, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

_M = TypeVar("_M", bound=Model)

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


# --- FTS5 on the connection --------------------------------------------------------------


def note_fts5(sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any) -> None:
    """``connection_created`` receiver: whether this SQLite was built with FTS5."""
    if connection is None or connection.vendor != "sqlite":
        return
    raw = connection.connection
    (compiled,) = raw.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()
    connection.nexus_fts5 = bool(compiled)  # type: ignore[attr-defined]  # read below


def fts5_available(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the connection's SQLite has FTS5 (so the migrations made the tables)."""
    connection = connections[using]
    connection.ensure_connection()
    return bool(getattr(connection, "nexus_fts5", False))


# --- web-search syntax ------------------------------------------------------------------

_QUERY_WORD = re.compile(r"[^\W_]+(?:[+#.][^\W_]*)*", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """A word (alternatives OR-ed in) or a quoted phrase (searched as written)."""

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


def _fts_term(term: Term, alternatives: dict[str, str]) -> str:
    if term.phrase or term.negated or term.words[0] not in alternatives:
        return _quoted(term.words)
    return f"({_quoted(term.words)} OR {_quoted((alternatives[term.words[0]],))})"


# --- the search -------------------------------------------------------------------------


class FtsRank(Expression):
    """``-bm25`` of the row in ``table`` for an FTS5 query (higher is better), 0
    when the row does not match."""

    output_field = FloatField()

    def __init__(self, table: str, weights: Sequence[float], query: str) -> None:
        super().__init__()
        self.table, self.weights, self.query = table, tuple(weights), query

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        # The row's id under the alias the query gives its table (U0 in a subquery).
        model = compiler.query.model
        key = model._meta.pk if model is not None else None
        assert key is not None  # a model's queryset
        column = key.get_col(compiler.query.get_initial_alias())
        pk, params = compiler.compile(column)
        table, weights = self.table, ", ".join(str(weight) for weight in self.weights)
        sql = (
            f"COALESCE((SELECT -bm25({table}, {weights}) FROM {table} "  # noqa: S608
            f"WHERE {table} MATCH %s AND {table}.rowid = {pk}), 0.0)"
        )
        return sql, [self.query, *params]


def _matching(table: str, query: str) -> Q:
    # The table's name is the context's constant; the query is a parameter.
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
    return Q(pk__in=RawSQL(sql, [query]))  # noqa: S611


def search(
    rows: QuerySet[_M],
    text: str,
    *,
    table: str,
    weights: Sequence[float],
    fields: Sequence[str],
    alternatives: dict[str, str] | None = None,
) -> QuerySet[_M]:
    """The rows matching ``text`` in the FTS5 ``table`` (its columns weighted by
    ``weights``), annotated with ``rank``; ``fields`` are matched without FTS5."""
    alternatives = alternatives or {}
    groups = websearch(text)
    if not groups:
        # Only stop words: PostgreSQL's empty query matches nothing.
        nothing: QuerySet[_M] = rows.annotate(rank=Value(0.0, output_field=FloatField()))
        return nothing.none()
    if not fts5_available(rows.db):
        return _search_like(rows, groups, fields, alternatives)
    condition = Q()
    positives = []
    for group in groups:
        plain = [_fts_term(term, alternatives) for term in group if not term.negated]
        excluded = [_fts_term(term, alternatives) for term in group if term.negated]
        if plain:
            positives.extend(plain)
            query = " AND ".join(plain) + "".join(f" NOT {term}" for term in excluded)
            condition |= _matching(table, query)
        else:
            condition |= ~_matching(table, " OR ".join(excluded))
    rank: Any = (
        FtsRank(table, weights, " OR ".join(positives))
        if positives
        else Value(0.0, output_field=FloatField())
    )
    found: QuerySet[_M] = rows.filter(condition).annotate(rank=rank)
    return found


def _search_like(
    rows: QuerySet[_M],
    groups: list[list[Term]],
    fields: Sequence[str],
    alternatives: dict[str, str],
) -> QuerySet[_M]:
    """Without FTS5: every word contained in one of ``fields`` (a phrase as written)."""
    condition = Q()
    for group in groups:
        part = Q()
        for term in group:
            words = [" ".join(term.words)]
            if not term.phrase and not term.negated and term.words[0] in alternatives:
                words.append(alternatives[term.words[0]])
            found = Q()
            for word in words:
                for name in fields:
                    found |= Q(**{f"{name}__icontains": word})
            part &= ~found if term.negated else found
        condition |= part
    matched: QuerySet[_M] = rows.filter(condition).annotate(
        rank=Value(0.0, output_field=FloatField())
    )
    return matched
