"""Every core paginator answers one envelope, ``{"results", "next", "previous"}``, and
pages both ways: following ``next`` to the end and ``previous`` back to the start
gives the same pages, ``previous`` is null on the first page only, and there is no
``count`` (nor a COUNT query)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.core.factories import UserFactory
from tests.helpers import assert_invalid, client_for
from tests.helpers.pages import ids, walk

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls_pages")]

KINDS = ["keyset", "cursor", "numbers", "sequence"]


@pytest.fixture
def users():
    """23 users; their first names repeat (ties the keyset must break by id)."""
    return [UserFactory(first_name="abcde"[n % 5]) for n in range(23)]


@pytest.mark.parametrize("kind", KINDS)
def test_next_to_the_end_and_previous_back_give_the_same_pages(users, kind):
    pages = walk(client_for(), f"/pages/{kind}/?page_size=5")

    assert [len(page["results"]) for page in pages] == [5, 5, 5, 5, 3]
    assert sorted(ids(pages)) == sorted(user.pk for user in users)  # each once
    assert all(set(page) == {"results", "next", "previous"} for page in pages)


@pytest.mark.parametrize("ordering", ["name", "-name", "-id"])
def test_keyset_pages_follow_each_ordering_both_ways(users, ordering):
    pages = walk(client_for(), f"/pages/keyset/?page_size=4&ordering={ordering}")

    expected = sorted(users, key=lambda u: (u.first_name, u.pk))
    if ordering == "-name":
        expected.reverse()
    elif ordering == "-id":
        expected = sorted(users, key=lambda u: -u.pk)
    assert ids(pages) == [user.pk for user in expected]


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_that_fits_in_one_page_has_no_links(users, kind):
    body = client_for().get(f"/pages/{kind}/?page_size=100").json()

    assert (len(body["results"]), body["next"], body["previous"]) == (23, None, None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", ["0", "101", "-1", "ten"])
def test_a_page_size_out_of_bounds_is_a_400_naming_it(kind, size):
    assert_invalid(client_for().get(f"/pages/{kind}/", {"page_size": size}), "page_size")


@pytest.mark.parametrize("kind", ["keyset", "cursor", "sequence"])
def test_a_forged_cursor_is_a_400_naming_it(kind):
    assert_invalid(client_for().get(f"/pages/{kind}/", {"cursor": "garbage"}), "cursor")


def test_page_numbers_run_no_count_and_keep_page_working(users):
    client = client_for()
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/pages/numbers/", {"page": 2, "page_size": 10})

    assert second.status_code == 200
    assert [row["id"] for row in second.json()["results"]] == [u.pk for u in users[10:20]]
    assert second.json()["previous"] == "http://testserver/pages/numbers/?page_size=10"
    assert second.json()["next"] == "http://testserver/pages/numbers/?page=3&page_size=10"
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(queries) == 1  # page_size + 1 rows: the page, and whether another follows
    assert client.get("/pages/numbers/", {"page": 4, "page_size": 10}).status_code == 404
