"""The catalog on SQLite (``make run``) behaves as on PostgreSQL: the catalog's search
tests (ranking, web-search syntax, stemming, renames) and the seeds' tests (a
generated catalog spread over two years) pass there too."""

from __future__ import annotations

import pytest

from tests.helpers.sqlite import pytest_on_sqlite


@pytest.mark.timeout(300)
def test_the_search_and_seed_tests_pass_on_sqlite(tmp_path):
    passed, skipped = pytest_on_sqlite(
        tmp_path,
        "tests/shop/test_catalog_api.py",
        "tests/shop/test_seed.py",
        "-k",
        "search and not postgresql or seed and not postgresql and not works_on_sqlite",
    )

    assert (passed, skipped) == (13, 0)
