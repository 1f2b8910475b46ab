"""Bench-only URLconf: every product URL, plus the raw-SQL ceiling of the job search
that bench/jobs_run.py measures next to the API in the same run.

The ceiling is a minimal Django view (no DRF, no serializer, no throttle): the same
search as ``GET /api/v1/jobs/jobs/?q=...`` (the same correction lookup, the same
filters, the same bounded candidates, the same rank, the same order, the same
snippets) as two SQL statements: the API's lexicon lookup
(``jobs.selectors.CORRECTION_SQL``, run when the API runs it), then a CTE that keeps
the newest ``jobs.selectors.SEARCH_CANDIDATES`` matches, ranks them and cuts the
page, and then joins the company and builds the headlines for those rows only,
encoded with ``json.dumps`` with the API's fields. It sits behind the same middleware.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns
from jobs import selectors
from jobs.selectors import (
    CORRECTION_SQL,
    CORRECTION_THRESHOLD,
    SEARCH_CONFIG,
    correction_candidates,
    query_words,
)

PAGE_SIZE = 20

SEARCH_SQL = """
WITH candidates AS (
    SELECT j.id
    FROM jobs_job j
    WHERE j.status = 'published' AND j.expires_at > now()
      {filters}
      AND j.search_vector @@ {tsquery}
    ORDER BY j.id DESC
    LIMIT %(candidates)s
), page AS (
    SELECT j.id,
           ts_rank_cd(j.search_vector, {tsquery})::double precision AS rank
    FROM jobs_job j
    WHERE j.id IN (SELECT id FROM candidates)
    ORDER BY rank DESC, j.id DESC
    LIMIT %(limit)s
)
SELECT j.id, c.id, c.slug, c.name, c.verified, c.logo_url, j.title, j.description,
       j.location, j.remote, j.employment_type, j.experience_level, j.salary_min,
       j.salary_max, j.currency, j.salary_period, j.tags, j.status, j.submitted_at,
       j.published_at, j.expires_at, j.closed_at, j.created_at, j.updated_at,
       ts_headline('english',
           replace(replace(replace(j.description, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
           {headline_query},
           'MaxWords=30, MinWords=12, StartSel=<mark>, StopSel=</mark>, '
           'MaxFragments=2, FragmentDelimiter=" … "')
FROM page JOIN jobs_job j ON j.id = page.id JOIN jobs_company c ON c.id = j.company_id
ORDER BY page.rank DESC, page.id DESC
"""
FACTORS = {"hour": 2080, "month": 12, "year": 1}


def raw_jobs(request: HttpRequest) -> HttpResponse:
    """``?q=&remote=&salary_min=&currency=``: one page by relevance, with snippets."""
    text = request.GET.get("q", "")
    # ``LIMIT NULL`` is no limit: every match ranked, as the API without a bound.
    params: dict = {"q": text, "limit": PAGE_SIZE + 1, "candidates": selectors.SEARCH_CANDIDATES}
    filters = []
    if "remote" in request.GET:
        filters.append("AND j.remote = %(remote)s")
        params["remote"] = request.GET["remote"] == "true"
    if "salary_min" in request.GET:
        filters.append("AND j.currency = %(currency)s AND j.salary_year_max >= %(salary)s")
        params["currency"] = request.GET.get("currency", "EUR")
        params["salary"] = int(request.GET["salary_min"]) * FACTORS["year"]
    with connection.cursor() as cursor:
        corrections: dict[str, str] = {}
        candidates = correction_candidates(text)
        if candidates:
            cursor.execute(
                CORRECTION_SQL,
                {"words": candidates, "threshold": CORRECTION_THRESHOLD, "config": SEARCH_CONFIG},
            )
            corrections = dict(cursor.fetchall())
        tsquery = "websearch_to_tsquery('english', %(q)s)"
        for n, (word, fix) in enumerate(corrections.items()):
            params[f"c{n}"], params[f"f{n}"] = word, fix
            tsquery = (
                f"ts_rewrite({tsquery}, plainto_tsquery('english', %(c{n})s), "
                f"plainto_tsquery('english', %(c{n})s) || plainto_tsquery('english', %(f{n})s))"
            )
        words = query_words(text)
        words += [fix for fix in dict.fromkeys(corrections.values()) if fix not in words]
        parts = []
        for n, word in enumerate(words or [text]):
            params[f"h{n}"] = word
            parts.append(f"plainto_tsquery('english', %(h{n})s)")
        sql = SEARCH_SQL.format(
            filters=" ".join(filters),
            tsquery=tsquery,
            headline_query=" || ".join(parts),
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    results = [_item(row) for row in rows[:PAGE_SIZE]]
    body = json.dumps(
        {
            "results": results,
            "next": None,
            "previous": None,
            "corrected": corrections,
            "more": len(rows) > PAGE_SIZE,
        }
    )
    return HttpResponse(body, content_type="application/json")


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _item(row: tuple) -> dict:
    """The API's job representation, field for field."""
    (pk, company_id, slug, name, verified, logo_url, title, description, location, remote,
     employment_type, experience_level, salary_min, salary_max, currency, salary_period, tags,
     status, submitted_at, published_at, expires_at, closed_at, created_at, updated_at,
     snippet) = row  # fmt: skip
    return {
        "id": pk,
        "company": {
            "id": company_id,
            "slug": slug,
            "name": name,
            "verified": verified,
            "logo_url": logo_url,
        },
        "title": title,
        "description": description,
        "location": location,
        "remote": remote,
        "employment_type": employment_type,
        "experience_level": experience_level,
        "salary_min": salary_min,
        "salary_max": salary_max,
        "currency": currency,
        "salary_period": salary_period,
        "tags": json.loads(tags) if isinstance(tags, str) else tags,
        "status": status,
        "allowed_transitions": [],  # the bench reads anonymously: no moves
        "rejection_reason": "",
        "submitted_at": _utc(submitted_at),
        "published_at": _utc(published_at),
        "expires_at": _utc(expires_at),
        "closed_at": _utc(closed_at),
        "created_at": _utc(created_at),
        "updated_at": _utc(updated_at),
        "snippet": snippet,
    }


urlpatterns = [
    path("bench/jobs/raw/jobs/", raw_jobs),
    *product_urlpatterns,
]
