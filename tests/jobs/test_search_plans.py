"""A job search ranks its bounded candidates (``selectors.rank_candidates``) found
through the vector's GIN index at scale: the planner's own plans (nothing disabled) for
the page query the API sends, a typo query and a filtered one, on 15,000 published jobs
made in one statement and analyzed. (tests/jobs/test_search.py shows with sequential
scans disabled that an index path exists; this, that the planner takes it.)"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.helpers import client_for
from tests.helpers.plans import plan, scans, seed, sent
from tests.jobs.factories import JOBS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]

JOBS_TOTAL = 15_000
COMPANIES = 40

COMPANIES_SQL = """
INSERT INTO jobs_company (name, slug, website, description, logo_url, verified,
    created_at, updated_at)
SELECT 'Plan Works ' || n, 'plan-works-' || n, '', '', '', n %% 7 = 0, now(), now()
FROM generate_series(1, %(companies)s) AS n
"""

# One statement: published, unexpired jobs of the companies above; a level, a
# specialism and a role drawn independently (a sixth are Python jobs, half of all
# are developers, a third senior, a third remote), salaries in euros for most.
JOBS_SQL = """
INSERT INTO jobs_job (company_id, title, description, location, remote, employment_type,
    experience_level, salary_min, salary_max, currency, salary_period, salary_year_min,
    salary_year_max, tags, status, rejection_reason, submitted_at, published_at,
    expires_at, closed_at, created_by_id, created_at, updated_at)
SELECT c.id, concat_ws(' ', level, speciality, role),
       'You ' || duty || ' with a friendly team.',
       (ARRAY['Berlin', 'Lisbon', 'Paris', 'Warsaw', 'Madrid'])[1 + i %% 5],
       i %% 3 = 0, 'full_time', 'mid', pay, pay + 20000,
       CASE WHEN i %% 10 = 0 THEN '' ELSE 'EUR' END, 'year', pay, pay + 20000,
       jsonb_build_array(lower(speciality)), 'published', '',
       now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval,
       now() + interval '30 days', NULL, NULL, now(), now()
FROM generate_series(1, %(jobs)s) AS i
JOIN LATERAL (
    SELECT (ARRAY['Senior', 'Junior', NULL])[1 + i %% 3] AS level,
           (ARRAY['Python', 'Java', 'Kotlin', 'Rust', 'Ruby', 'Elixir'])[1 + i / 3 %% 6]
               AS speciality,
           (ARRAY['developer', 'engineer', 'developer', 'analyst'])[1 + i / 18 %% 4] AS role,
           (ARRAY['ship features', 'review code', 'mentor people'])[1 + i %% 7 %% 3] AS duty,
           30000 + i %% 50 * 1000 AS pay
) AS drawn ON true
JOIN LATERAL (
    SELECT id FROM jobs_company WHERE slug = 'plan-works-' || (1 + i %% %(companies)s)
) AS c ON true
"""

# Each search, and the indexes its page query may read jobs_job through: the one it
# must use first. The typo search matches one job in twelve: its newest 1,000 matches are
# as well found walking the primary key newest first (12,000 entries) as through the
# vector's index (1,250 matches, sorted). The filtered one matches one in twenty: through
# the vector's index (and the remote one's). Either reads its candidates, and the page's
# rows, by primary key.
SEARCHES = {
    "?q=pythn+developer": ("jobs_job_pkey", {"jobs_job_pkey", "jobs_job_search_gin"}),
    "?q=senior+python&remote=true&salary_min=40000": (
        "jobs_job_search_gin",
        {"jobs_job_pkey", "jobs_job_search_gin", "jobs_job_remote", "jobs_job_salary"},
    ),
}


@pytest.fixture
def board() -> None:
    seed(COMPANIES_SQL, {"companies": COMPANIES}, analyze=["jobs_company"])
    seed(
        JOBS_SQL,
        {"jobs": JOBS_TOTAL, "companies": COMPANIES},
        analyze=["jobs_job", "jobs_searchword"],
    )


def _page_queries(client: APIClient, url: str) -> tuple[list[str], list[dict]]:
    """The page queries (LIMIT 21: a page of 20 and the row that says more follow) of
    the API's answer to ``url`` and of its ``next`` page, and both pages."""
    pages: list[dict] = []

    def get(link: str) -> None:
        response = client.get(link)
        assert response.status_code == 200, response.content
        pages.append(response.json())

    queries = sent(lambda: get(JOBS + url), "LIMIT 21")
    queries += sent(lambda: get(pages[0]["next"]), "LIMIT 21")
    return queries, pages


def test_a_search_reads_its_candidates_by_index_never_the_whole_board(board):
    """By relevance (the default with ``q``), the page query of a typo search (its
    correction OR-ed in) and of a search with filters (remote, a salary), first page
    and next, reads jobs_job only through indexes: the newest candidates found, then
    read by primary key (``id = ANY(candidates)``), ranked and cut to the page, whose
    rows are read by primary key again. Never a sequential scan: hashing the
    candidates and scanning every job against them, ranking each on a next page, was
    the planner's choice at this size (300 ms for the typo search's second page at
    20,000 jobs)."""
    client = client_for()
    wrong = {}
    for url, (needed, allowed) in SEARCHES.items():
        queries, pages = _page_queries(client, url)
        read = [scans(plan(sql), "jobs_job") for sql in queries]
        if len(queries) != 2 or any(
            needed not in each or not set(each) <= allowed for each in read
        ):
            wrong[url] = read
        assert [len(page["results"]) for page in pages] == [20, 20]
    assert wrong == {}
    assert pages[0]["corrected"] == {}  # the filtered search; the typo one's:
    typo = client.get(JOBS, {"q": "pythn developer"}).json()
    assert typo["corrected"] == {"pythn": "python"}
