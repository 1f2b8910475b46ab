"""Job board reads, shaped for the API: a fixed number of queries whatever the page size.

Search on PostgreSQL, as pg_trgm's documentation suggests for text search:

1. ``search_corrections``: one statement looks the query's plain words up in the
   lexicon (``SearchWord``: the words of titles, locations, tags and company names).
   A word that is not there is corrected to the lexicon word one swap of adjacent
   letters away ("pyhton"), else to the most similar one (pg_trgm ``similarity`` at
   least ``CORRECTION_THRESHOLD``), through the lexicon's trigram GIN index.
2. One full-text query: the stored weighted vector (title A, company and tags B,
   description C, location D; triggers keep it fresh) against
   ``websearch_to_tsquery`` of the text, in which each corrected word's lexeme is
   OR-ed with its correction's (``ts_rewrite``: "pythn developer" searches
   ``('pythn' | 'python') & 'develop'``), ranked with ``ts_rank_cd``. Only the
   vector's GIN index serves it, never a sequential scan. A correction widens a
   search, never narrows it: a word found only in descriptions still finds them.
   A list by relevance ranks only the newest ``SEARCH_CANDIDATES`` matches
   (``rank_candidates``): a common word matches half the board, and ranking every
   match cost more than the rest of the request (bench/RESULTS.md, "Jobs search,
   bounded"). Other orders list every match.
   The page is cut on the job rows alone, then read whole with its company and its
   snippets (``ts_headline``) in the same statement (``SearchResults``).

SQLite (the embedded default) does the same with the same lexicon, its similarity
computed in Python, and an FTS5 table ranked with ``bm25`` (``jobs.fulltext_sqlite``).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Replace
from django.utils import timezone

from core.identity import roles
from core.identity.models import User
from jobs import fulltext_sqlite
from jobs.fulltext import SEARCH_CONFIG, AnyOf, CorrectedSearchQuery, SearchResults
from jobs.models import (
    YEARLY_FACTORS,
    Application,
    ApplicationEvent,
    Company,
    CompanyMember,
    Job,
    JobStatus,
    SalaryPeriod,
    SavedSearch,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

PUBLIC_STATUSES = (JobStatus.PUBLISHED, JobStatus.CLOSED, JobStatus.EXPIRED)
DEFAULT_CURRENCY = "EUR"
_WORD = re.compile(r"[^\W_]+(?:[+#.][^\W_]*)*", re.UNICODE)
MAX_QUERY_WORDS = 8
# Words shorter than this are never corrected (too few trigrams to judge).
TYPO_MIN_LENGTH = 4
# pg_trgm similarity a correction needs at least: "pythn"/"python" 0.44,
# "developr"/"developer" 0.58, "northwnd"/"northwind" 0.58. ``%`` (which the index
# serves) also needs pg_trgm.similarity_threshold, 0.3 by default, below this.
CORRECTION_THRESHOLD = 0.4
# How many matches a search ranks at most: the newest ones (by id, the order they were
# posted in); the rest are not found by relevance. None ranks every match.
SEARCH_CANDIDATES: int | None = 1000

# One statement for all the words: those the lexicon lacks (the primary key says),
# that the english configuration keeps (not a stop word, one lexeme), each with its
# best correction: an adjacent-letter swap that is a lexicon word first (a
# transposition has few trigrams in common with the word meant: "pyhton"/"python"
# 0.27), else the most similar word by trigrams (the GIN index serves ``%``). Words
# without a correction are left out.
CORRECTION_SQL = """
SELECT q.word, fix.word
FROM unnest(%(words)s::text[]) WITH ORDINALITY AS q(word, n)
CROSS JOIN LATERAL (
    SELECT c.word
    FROM (
        SELECT s.word, 1.0::real AS score
        FROM jobs_searchword AS s
        WHERE s.word = ANY (ARRAY(
            SELECT overlay(q.word PLACING substr(q.word, i + 1, 1) || substr(q.word, i, 1)
                           FROM i FOR 2)
            FROM generate_series(1, length(q.word) - 1) AS i
        ))
        UNION ALL
        SELECT s.word, similarity(s.word, q.word)
        FROM jobs_searchword AS s
        WHERE s.word %% q.word AND similarity(s.word, q.word) >= %(threshold)s
    ) AS c
    ORDER BY c.score DESC, c.word
    LIMIT 1
) AS fix
WHERE length(to_tsvector(%(config)s::regconfig, q.word)) = 1
  AND NOT EXISTS (SELECT 1 FROM jobs_searchword AS known WHERE known.word = q.word)
ORDER BY q.n
"""


# --- companies ----------------------------------------------------------------------------


def member_company_ids(user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(CompanyMember.objects.filter(user_id=user.pk).values_list("company_id", flat=True))


def company_list(
    *, user: User | AnonymousUser | None = None, mine: bool = False, verified: bool | None = None
) -> QuerySet[Company]:
    companies = Company.objects.all()
    if mine:
        # Without an account, "mine" is nothing (not the companies without members).
        member_id = user.pk if isinstance(user, User) else None
        companies = (
            companies.filter(memberships__user_id=member_id) if member_id else companies.none()
        )
    if verified is not None:
        companies = companies.filter(verified=verified)
    return companies.order_by("name", "id")


def company_get(company_id: int) -> Company:
    return Company.objects.get(pk=company_id)


def company_members(company: Company) -> QuerySet[CompanyMember]:
    return CompanyMember.objects.filter(company=company).select_related("user").order_by("id")


# --- jobs ---------------------------------------------------------------------------------


def job_base() -> QuerySet[Job]:
    return Job.objects.select_related("company").defer("search_vector")


def job_get(*, job_id: int) -> Job:
    """A job with its company, unchecked (for one the caller may see); DoesNotExist."""
    return job_base().get(pk=job_id)


def job_open(now: datetime | None = None) -> QuerySet[Job]:
    """Published and not past ``expires_at``: what everyone can find and apply to."""
    now = now or timezone.now()
    return job_base().filter(status=JobStatus.PUBLISHED, expires_at__gt=now)


def job_visible(*, user: User | AnonymousUser, job_id: int) -> Job:
    """A job the user may see: published (even closed or expired) for everyone; drafts,
    jobs in review and rejected ones for the company's members and moderators.
    DoesNotExist otherwise."""
    job = job_base().get(pk=job_id)
    if job.status in PUBLIC_STATUSES or roles.is_moderator(user):
        return job
    if job.company_id in member_company_ids(user):
        return job
    raise Job.DoesNotExist(f"No job {job_id}.")


def company_jobs(*, company_id: int, status: str | None = None) -> QuerySet[Job]:
    jobs = job_base().filter(company_id=company_id)
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-created_at", "-id")


def moderation_queue() -> QuerySet[Job]:
    """Jobs waiting for a moderator, oldest submission first."""
    return job_base().filter(status=JobStatus.PENDING_REVIEW)


def query_words(text: str) -> list[str]:
    """Plain words of a query, without websearch operators (``-word``, ``or``, quotes)."""
    words = []
    for match in _WORD.finditer(text):
        start = match.start()
        if start > 0 and text[start - 1] == "-":
            continue  # an excluded word
        word = match.group(0).lower()
        if word == "or" or word in words:
            continue
        words.append(word)
    return words[:MAX_QUERY_WORDS]


def correction_candidates(text: str) -> list[str]:
    """The query's plain words that may be corrected, lower-cased: not excluded
    (``-word``), not in a quoted phrase, not ``or``, at least ``TYPO_MIN_LENGTH``
    characters; the first ``MAX_QUERY_WORDS``."""
    words: list[str] = []
    for n, part in enumerate(text.split('"')):
        if n % 2:
            continue  # inside quotes: a phrase is searched as written
        for match in _WORD.finditer(part):
            start = match.start()
            if start > 0 and part[start - 1] == "-" and (start == 1 or part[start - 2].isspace()):
                continue  # an excluded word ("-django"; "full-stack" is two plain words)
            word = match.group(0).lower()
            if word == "or" or word in words or len(word) < TYPO_MIN_LENGTH:
                continue
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def search_corrections(text: str) -> dict[str, str]:
    """``{word: correction}`` for the query's plain words that no job title, location,
    tag or company name contains (the ``SearchWord`` lexicon) and that have a close
    lexicon word; ``{}`` when every word is known. One query when the text has a
    candidate word (``correction_candidates``), none otherwise; the same on SQLite
    (``fulltext_sqlite.corrections``)."""
    words = correction_candidates(text)
    if not words:
        return {}
    if connection.vendor != "postgresql":
        return fulltext_sqlite.corrections(words, CORRECTION_THRESHOLD)
    with connection.cursor() as cursor:
        cursor.execute(
            CORRECTION_SQL,
            {"words": words, "threshold": CORRECTION_THRESHOLD, "config": SEARCH_CONFIG},
        )
        return dict(cursor.fetchall())


def rank_candidates(
    jobs: QuerySet[Job], matches: QuerySet[Job], limit: int | None
) -> QuerySet[Job]:
    """The newest ``limit`` of ``matches`` (``jobs`` filtered by the search), as
    ``jobs.filter(id = ANY(ARRAY(SELECT id FROM matches ORDER BY id DESC LIMIT n)))``
    (``IN`` on SQLite): ranking
    then reads and scores at most ``limit`` rows, whatever the query matches. All the
    matches for None."""
    if limit is None:
        return matches
    newest = matches.order_by("-pk").values("pk")[:limit]
    if connection.vendor != "postgresql":
        return jobs.filter(pk__in=newest)
    # ``id = ANY(ARRAY(...))``, not ``id IN (...)``: the candidates are then read by
    # primary key, and a page past the first computes its rank condition on them only.
    # As a semi join, the planner may hash the candidates and scan every job against
    # them, ranking each on a next page: its choice at 20,000 jobs, 300 ms
    # (tests/jobs/test_search_plans.py).
    return jobs.filter(AnyOf(F("pk"), ArraySubquery(newest)))


def _search_postgresql(
    jobs: QuerySet[Job], text: str, corrections: dict[str, str], *, bounded: bool
) -> QuerySet[Job]:
    query = CorrectedSearchQuery(text, corrections)
    rank = SearchRank(F("search_vector"), query, cover_density=True)
    limit = SEARCH_CANDIDATES if bounded else None
    matches = rank_candidates(jobs, jobs.filter(search_vector=query), limit)
    results: QuerySet[Job] = matches.annotate(rank=Cast(rank, FloatField()))
    results.__class__ = SearchResults  # kept by every clone (filter, order_by, ...)
    return results


def job_search(
    jobs: QuerySet[Job],
    text: str,
    corrections: dict[str, str] | None = None,
    *,
    bounded: bool = True,
) -> QuerySet[Job]:
    """Full-text search, annotated with ``rank`` (higher is better). ``corrections``:
    ``search_corrections(text)``, looked up here when not given. ``bounded``: on
    PostgreSQL, only the newest ``SEARCH_CANDIDATES`` matches (for a list by relevance;
    a list in another order needs them all)."""
    if corrections is None:
        corrections = search_corrections(text)
    if connection.vendor == "postgresql":
        return _search_postgresql(jobs, text, corrections, bounded=bounded)
    return fulltext_sqlite.search(jobs, text, corrections)


def yearly(amount: int, period: str) -> int:
    return amount * YEARLY_FACTORS[period]


def job_filter(
    jobs: QuerySet[Job],
    *,
    q: str = "",
    location: str = "",
    remote: bool | None = None,
    employment_type: list[str] | None = None,
    experience_level: list[str] | None = None,
    salary_min: int | None = None,
    currency: str = "",
    salary_min_period: str = SalaryPeriod.YEAR,
    posted_within: int | None = None,
    company: str = "",
    tags: list[str] | None = None,
    now: datetime | None = None,
    corrections: dict[str, str] | None = None,
    bounded: bool = True,
    **_: object,
) -> QuerySet[Job]:
    """The list's filters. ``salary_min`` (in ``currency``, per ``salary_min_period``) keeps
    jobs whose range reaches it, compared per year; jobs without a salary or in another
    currency do not match. ``corrections``, ``bounded``: see ``job_search``."""
    if location:
        jobs = jobs.filter(location__icontains=location)
    if remote is not None:
        jobs = jobs.filter(remote=remote)
    if employment_type:
        jobs = jobs.filter(employment_type__in=employment_type)
    if experience_level:
        jobs = jobs.filter(experience_level__in=experience_level)
    if salary_min is not None:
        jobs = jobs.filter(
            currency=currency or DEFAULT_CURRENCY,
            salary_year_max__gte=yearly(salary_min, salary_min_period or SalaryPeriod.YEAR),
        )
    elif currency:
        jobs = jobs.filter(currency=currency)
    if posted_within:
        now = now or timezone.now()
        jobs = jobs.filter(published_at__gte=now - timedelta(days=posted_within))
    if company:
        jobs = jobs.filter(company__slug=company)
    for tag in tags or []:
        if connection.vendor == "postgresql":
            jobs = jobs.filter(tags__contains=[tag])
        else:
            jobs = jobs.filter(tags__icontains=f'"{tag}"')
    if q:
        jobs = job_search(jobs, q, corrections, bounded=bounded)
    return jobs


def job_matches(*, job_id: int, query: str, filters: dict[str, Any]) -> bool:
    """Whether an open job matches a saved search (one indexed query)."""
    return job_filter(job_open().filter(pk=job_id), q=query, **filters).exists()


def _snippet_words(text: str, corrections: dict[str, str] | None) -> list[str]:
    words = query_words(text)
    return words + [fix for fix in dict.fromkeys((corrections or {}).values()) if fix not in words]


def job_with_snippets(
    jobs: QuerySet[Job], text: str, corrections: dict[str, str] | None = None
) -> QuerySet[Job]:
    """On PostgreSQL, annotate each job with ``snippet``: ``ts_headline`` of its
    description, HTML-escaped, ``<mark>`` around the words searched and their
    corrections. A search's page (``SearchResults``) computes it for the page's rows
    only, in the page's query. Unchanged on SQLite (``job_snippets`` extracts)."""
    if connection.vendor != "postgresql":
        return jobs
    query: Any = None
    for word in _snippet_words(text, corrections) or [text]:
        part = SearchQuery(word, config=SEARCH_CONFIG)
        query = part if query is None else query | part
    escaped = Replace(
        Replace(Replace(F("description"), Value("&"), Value("&amp;")), Value("<"), Value("&lt;")),
        Value(">"),
        Value("&gt;"),
    )
    headline = SearchHeadline(
        escaped,
        query,
        config=SEARCH_CONFIG,
        start_sel="<mark>",
        stop_sel="</mark>",
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    return jobs.annotate(snippet=headline)


def job_snippets(
    page: list[Job], text: str, corrections: dict[str, str] | None = None
) -> dict[int, str]:
    """A highlighted extract of each job's description (``<mark>`` around the words
    searched, corrections included, the rest HTML-escaped), without a query: the
    ``snippet`` annotation of ``job_with_snippets`` on PostgreSQL, extracted here on
    SQLite."""
    if connection.vendor == "postgresql":
        # ``snippet`` is the annotation ``job_with_snippets`` adds, not a field of Job.
        return {job.pk: job.snippet for job in page}  # type: ignore[attr-defined]  # see above
    words = _snippet_words(text, corrections)
    return {job.pk: _snippet_fallback(job.description, words) for job in page}


def _snippet_fallback(description: str, words: list[str], width: int = 160) -> str:
    lowered = description.lower()
    positions = [lowered.find(word) for word in words if lowered.find(word) >= 0]
    start = max(0, min(positions) - 40) if positions else 0
    extract = description[start : start + width]
    escaped = html.escape(extract, quote=False)
    for word in sorted(words, key=len, reverse=True):
        escaped = re.sub(
            f"({re.escape(html.escape(word, quote=False))})",
            r"<mark>\1</mark>",
            escaped,
            flags=re.IGNORECASE,
        )
    return ("… " if start else "") + escaped + (" …" if start + width < len(description) else "")


# --- applications ---------------------------------------------------------------------------


def application_base() -> QuerySet[Application]:
    return Application.objects.select_related("job__company", "candidate")


def application_list(
    *, user: User, status: str | None = None, job_id: int | None = None
) -> QuerySet[Application]:
    """A candidate's own applications and, for an employer, those to their companies'
    jobs."""
    companies = CompanyMember.objects.filter(user_id=user.pk).values("company_id")
    applications = application_base().filter(
        Q(candidate_id=user.pk) | Q(job__company_id__in=companies)
    )
    if status:
        applications = applications.filter(status=status)
    if job_id:
        applications = applications.filter(job_id=job_id)
    return applications


def job_applications(*, job: Job, status: str | None = None) -> QuerySet[Application]:
    applications = application_base().filter(job=job)
    if status:
        applications = applications.filter(status=status)
    return applications


def application_visible(*, user: User, application_id: int) -> Application:
    """The application with its history (oldest first), for its candidate or the
    job's company; DoesNotExist for anyone else."""
    return (
        application_list(user=user)
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by("id"),
            )
        )
        .get(pk=application_id)
    )


def is_company_side(*, user: User, application: Application) -> bool:
    return application.job.company_id in member_company_ids(user)


# --- saved searches -------------------------------------------------------------------------


def saved_search_list(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user_id=user.pk)


def saved_search_get(*, user: User, search_id: int) -> SavedSearch:
    return SavedSearch.objects.get(pk=search_id, user_id=user.pk)
