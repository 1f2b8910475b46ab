"""The PostgreSQL pieces of the job search that ``jobs.selectors`` puts together (its
docstring tells the whole search): the full-text query with the corrections OR-ed in,
and the result set that cuts a page on the job rows before it reads them whole."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, overload

from django.contrib.postgres.search import SearchQuery
from django.db.models import Lookup, QuerySet
from django.db.models.query import ModelIterable

from jobs.models import Job

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

SEARCH_CONFIG = "english"


class CorrectedSearchQuery(SearchQuery):
    """``websearch_to_tsquery(config, text)`` with each corrected word's lexeme
    replaced by itself OR its correction's (``ts_rewrite``; operators, phrases and
    exclusions untouched). All immutable: the planner folds it to a constant."""

    def __init__(self, text: str, corrections: dict[str, str] | None = None) -> None:
        super().__init__(text, search_type="websearch", config=SEARCH_CONFIG)
        self.corrections = dict(corrections or {})

    # Django's SearchQuery.as_sql takes neither Func's arg_joiner nor its **extra_context:
    # this is its signature (its own stub ignores the narrower override too).
    def as_sql(  # type: ignore[override]  # SearchQuery's signature, narrower than Func's
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
    ) -> tuple[str, list[str | int]]:
        sql, params = super().as_sql(compiler, connection, function, template)
        return corrected_tsquery(sql, list(params), self.corrections)


if TYPE_CHECKING:  # generic in django-stubs only
    _ArrayLookup = Lookup[list[int]]
else:
    _ArrayLookup = Lookup


class AnyOf(_ArrayLookup):
    """``lhs = ANY(rhs)``, ``rhs`` an array (an ``ArraySubquery``): the rows whose
    ``lhs`` the array holds, read by an index on ``lhs`` (``IN (subquery)`` is a semi
    join, which the planner may serve by scanning the whole table)."""

    lookup_name = "any_of"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


class SearchResults(QuerySet[Job]):
    """A search's matching jobs. Slicing a page off them (``[:n]`` on an ordered
    queryset: what the keyset pagination does) ranks and cuts the page on the job
    rows alone, then reads the page's rows whole with their company, in one statement
    (a "deferred join"): ``... WHERE id IN (SELECT id ... ORDER BY rank DESC, id DESC
    LIMIT n) ORDER BY rank DESC, id DESC``, the outer statement without the search's
    conditions (the inner one has them all). A flat query would build the joined row
    of every match before sorting them (4,841 for "pythn developer" at 100,000 jobs:
    about a fifth of its time); here the other annotations (the ``snippet`` of
    ``job_with_snippets``) are computed for the page's rows only."""

    @overload
    def __getitem__(self, k: int) -> Job: ...
    @overload
    def __getitem__(self, k: slice) -> Self: ...
    def __getitem__(self, k: int | slice) -> Job | Self:
        if (
            isinstance(k, slice)
            and not k.start
            and k.stop is not None
            and k.step is None
            and self._iterable_class is ModelIterable
            and self._result_cache is None
            and not self.query.is_sliced
            and self.query.order_by
        ):
            # The outer statement only reads the page's rows by primary key: the search's
            # conditions (a subquery among them: the ranked candidates) stay inside.
            outer = self.all()
            outer.query.clear_where()
            return outer.filter(pk__in=self.values("pk")[k])
        return super().__getitem__(k)


def corrected_tsquery(
    sql: str, params: list[str | int], corrections: dict[str, str]
) -> tuple[str, list[str | int]]:
    """The tsquery SQL ``sql`` with every corrected word OR-ed with its correction
    (``%s`` placeholders)."""
    for word, fix in corrections.items():
        sql = (
            f"ts_rewrite({sql}, plainto_tsquery(%s::regconfig, %s), "
            "plainto_tsquery(%s::regconfig, %s) || plainto_tsquery(%s::regconfig, %s))"
        )
        params += [SEARCH_CONFIG, word, SEARCH_CONFIG, word, SEARCH_CONFIG, fix]
    return sql, params
