"""The job search on SQLite (``make run``) behaves as on PostgreSQL: its lexicon words
and trigram similarity are PostgreSQL's own figures, and the search tests pass there."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from jobs import demo
from jobs.fulltext_sqlite import lexicon_words, similarity
from tests.helpers.sqlite import pytest_on_sqlite

pytestmark = pytest.mark.django_db


def _texts() -> list[str]:
    """What the demo and the generated boards put in titles, tags, places and names,
    and the odd tokens a posting may hold."""
    texts = [title for title, _ in demo.NORTHWIND_JOBS]
    for specialism, nouns, tags in demo.SPECIALISMS:
        texts += [specialism, *nouns, *tags]
    texts += [city for city, _, _ in demo.LOCATIONS]
    texts += [*demo.COMPANY_WORDS_A, *demo.COMPANY_WORDS_B]
    texts += [
        "Senior C++ / C# developer, Node.js full-stack CI/CD .NET e-commerce 3D k8s 24/7",
        "Zürich São-Paulo AT&T R&D don't U.S. ml_ops v2.0 50,000 10-20 iOS/Android UX/UI",
        "Ruby on Rails (Django) — Île-de-France, B2B SaaS, ÅNGSTRÖM straße",
    ]
    return texts


def test_the_lexicon_splits_text_as_postgresql_does():
    """``jobs_search_words`` (SQLite's triggers) against PostgreSQL's function."""
    with connection.cursor() as cursor:
        for text in _texts():
            cursor.execute(
                'SELECT w FROM jobs_search_words(%s) AS w ORDER BY w COLLATE "C"', [text]
            )
            assert lexicon_words(text) == [row[0] for row in cursor.fetchall()], text


def test_similarity_is_pg_trgms():
    words = [
        *("python", "pythn", "pyhton", "developer", "develper", "senior", "senir"),
        *("northwind", "northwnd", "kubernetes", "kubernets", "node.js", "nodejs", "c++"),
        *("Zürich", "zurich", "full-stack", "aaaaaa", "aaa", "ab", "x", ""),
    ]
    pairs = list(itertools.product(words, words))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT similarity(a, b) FROM unnest(%s::text[], %s::text[]) AS p(a, b)",
            [[a for a, _ in pairs], [b for _, b in pairs]],
        )
        expected = [row[0] for row in cursor.fetchall()]

    assert similarity("pythn", "python") == pytest.approx(4 / 9)
    for (a, b), figure in zip(pairs, expected, strict=True):
        assert similarity(a, b) == pytest.approx(figure, abs=1e-6), (a, b)


@pytest.mark.timeout(300)
def test_the_search_tests_pass_on_sqlite(tmp_path):
    """tests/jobs/test_search.py on SQLite: relevance, typos and ``corrected``, web
    search syntax, snippets, the lexicon's triggers; only PostgreSQL's plans and its bounded
    ranking (SQLite ranks every match) skipped."""
    passed, skipped = pytest_on_sqlite(tmp_path, "tests/jobs/test_search.py")

    assert (passed, skipped) == (27, 4)
