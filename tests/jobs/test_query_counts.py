"""No N+1: every job board list runs the same number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.services.applications import application_transition
from jobs.services.searches import saved_search_create
from tests.helpers import client_for, warm_token_user
from tests.helpers.pages import walk
from tests.jobs.factories import (
    APPLICATIONS,
    COMPANIES,
    JOBS,
    QUEUE,
    SAVED,
    apply,
    candidate,
    job_url,
    make_company,
    make_job,
    moderator,
    owner_of,
)

pytestmark = pytest.mark.django_db


def _count(client, url, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def _assert_fixed(client, url, params=None, *, small: int = 1, large: int = 30) -> int:
    warm_token_user(client)
    queries_small, rows_small = _count(client, url, {**(params or {}), "page_size": small})
    queries_large, rows_large = _count(client, url, {**(params or {}), "page_size": large})
    assert (rows_small, rows_large) == (small, large)
    assert queries_small == queries_large, (url, params, queries_small, queries_large)
    return queries_large


@pytest.fixture
def board():
    companies = [make_company() for _ in range(3)]
    user = candidate()
    jobs = [
        make_job(
            companies[n % 3],
            title=f"Python developer {n}",
            description="Python and Django.",
            tags=["python"],
        )
        for n in range(31)
    ]
    applications = [apply(job, user) for job in jobs]
    first = companies[0]
    for application in applications[:31:3]:
        application_transition(
            application=application, actor=owner_of(first), status="in_review", note="n"
        )
    for job in jobs[:31:3]:  # 11 more applicants to the first company's jobs
        for _ in range(3):
            apply(job)
    return {"companies": companies, "jobs": jobs, "candidate": user}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 1),  # the page
        ({"q": "python developer"}, 2),  # the lexicon lookup, the page with its snippets
        ({"q": "pythn", "remote": "false", "ordering": "-salary_max"}, 2),
        ({"q": '"python developer" -php'}, 1),  # a phrase and an exclusion: no lookup
    ],
)
def test_job_list(board, params, expected):
    queries = _assert_fixed(client_for(), JOBS, params)
    assert queries == expected


def test_company_list(board):
    for _ in range(30):
        make_company()
    _assert_fixed(client_for(), COMPANIES)


def test_the_company_list_runs_no_count_and_pages_by_number_both_ways(board):
    for _ in range(30):
        make_company()  # 33 in all
    client = client_for()

    with CaptureQueriesContext(connection) as queries:
        second = client.get(COMPANIES, {"page": 2, "page_size": 10})
    sql = [query["sql"] for query in queries.captured_queries]  # before the next request
    pages = walk(client, f"http://testserver{COMPANIES}?page_size=10")

    assert second.status_code == 200
    assert [text for text in sql if "COUNT(" in text.upper()] == []
    assert len(sql) == 1  # 11 rows: the page, and whether another follows
    assert "count" not in second.json()
    assert second.json()["results"] == pages[1]["results"]
    assert [len(page["results"]) for page in pages] == [10, 10, 10, 3]
    assert pages[1]["previous"] == f"http://testserver{COMPANIES}?page_size=10"
    assert client.get(COMPANIES, {"page": 5, "page_size": 10}).status_code == 404


def test_application_lists(board):
    owner = owner_of(board["companies"][0])
    _assert_fixed(client_for(board["candidate"]), APPLICATIONS)
    _assert_fixed(client_for(owner), APPLICATIONS, large=20)
    _assert_fixed(client_for(owner), APPLICATIONS, {"status": "in_review"}, large=11)


def test_job_applications_list(board):
    job = board["jobs"][0]
    for _ in range(30):
        apply(job)
    _assert_fixed(client_for(owner_of(job.company)), job_url(job.pk, "applications"))


def test_moderation_queue(moderation):
    company = make_company()
    for _ in range(31):
        make_job(company)
    _assert_fixed(client_for(moderator()), QUEUE)


def test_saved_searches(board):
    user = board["candidate"]
    for n in range(20):  # the most a candidate may keep
        saved_search_create(user=user, query=f"q{n}", filters={}, frequency="daily")
    _assert_fixed(client_for(user), SAVED, large=20)

    pages = walk(client_for(user), f"http://testserver{SAVED}?page_size=6")
    assert [len(page["results"]) for page in pages] == [6, 6, 6, 2]
    assert all("count" not in page for page in pages)


@pytest.mark.parametrize("params", ["", "&q=python+developer", "&ordering=-salary_max"])
def test_the_job_list_pages_back_with_previous_to_the_same_pages(board, params):
    pages = walk(client_for(), f"http://testserver{JOBS}?page_size=7{params}")

    assert [len(page["results"]) for page in pages] == [7, 7, 7, 7, 3]
    assert len({job["id"] for page in pages for job in page["results"]}) == 31
    assert all("corrected" in page for page in pages)


def test_application_detail_does_not_grow_with_its_history(board):
    application = apply(board["jobs"][1])
    owner = owner_of(board["jobs"][1].company)
    client = warm_token_user(client_for(owner))
    with CaptureQueriesContext(connection) as short:
        client.get(f"{APPLICATIONS}{application.pk}/")
    for status in ("in_review", "interview", "offer", "hired"):
        application_transition(application=application, actor=owner, status=status)
    with CaptureQueriesContext(connection) as long:
        response = client.get(f"{APPLICATIONS}{application.pk}/")

    assert len(response.json()["history"]) == 5
    assert len(long) == len(short)
