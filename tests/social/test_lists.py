"""GraphQL's ``users`` (by username, keyset pages) and ``trending`` (the most active
posts of the last day that the viewer may see), as clients read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import Block, Comment, Like
from tests.social import factories as f

pytestmark = pytest.mark.django_db

USERS = """
query ($search: String, $first: Int, $after: String) {
  users(search: $search, first: $first, after: $after) {
    edges { cursor node { username } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
TRENDING = "query ($first: Int) { trending(first: $first) { id } }"


def _all_pages(gql, first: int, **variables) -> tuple[list[str], int]:
    names: list[str] = []
    after, pages = None, 0
    while True:
        body = gql(USERS, first=first, after=after, **variables)
        assert "errors" not in body, body
        page = body["data"]["users"]
        names += [edge["node"]["username"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            return names, pages
        after = page["pageInfo"]["endCursor"]


def test_users_are_listed_by_username_page_by_page(gql):
    for name in ("dan", "bea", "ann", "cid", "eve"):
        f.user(name)
    f.user("fay", is_active=False)

    names, pages = _all_pages(gql, 2)

    assert names == ["ann", "bea", "cid", "dan", "eve"]
    assert pages == 3


def test_users_search_pages_through_the_matches_only(gql):
    for name in ("zed1", "zed2", "zed3", "other"):
        f.user(name)

    names, pages = _all_pages(gql, 2, search="ZED")

    assert names == ["zed1", "zed2", "zed3"]
    assert pages == 2


def test_a_malformed_users_cursor_is_bad_user_input(gql):
    body = gql(USERS, after="not a cursor")

    assert body["errors"][0]["message"] == "Invalid cursor."
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


def _activity(post, n: int) -> None:
    now = timezone.now() - timedelta(minutes=5)
    for _ in range(n):
        Like.objects.create(user=f.user(), post=post, created_at=now)


def test_trending_ranks_recent_activity_and_hides_blocked_authors(gql):
    viewer, author, blocker = f.user("viewer"), f.user("author"), f.user("blocker")
    quiet, busy, hidden = f.post(author, "quiet"), f.post(author, "busy"), f.post(blocker)
    _activity(quiet, 1)
    _activity(busy, 3)
    _activity(hidden, 2)
    Comment.objects.create(
        post=quiet, author=author, text="old", created_at=timezone.now() - timedelta(days=2)
    )
    Block.objects.create(blocker=blocker, blocked=viewer, created_at=timezone.now())

    anonymous = gql(TRENDING)["data"]["trending"]
    seen = gql(TRENDING, user=viewer)["data"]["trending"]
    first = gql(TRENDING, user=viewer, first=1)["data"]["trending"]

    assert anonymous == [{"id": str(busy.pk)}, {"id": str(hidden.pk)}, {"id": str(quiet.pk)}]
    assert seen == [{"id": str(busy.pk)}, {"id": str(quiet.pk)}]
    assert first == [{"id": str(busy.pk)}]


@pytest.mark.parametrize(
    "parts",
    [
        ["alice", "abc"],  # an id that is not a number (was a server error)
        ["alice", 2**63],  # past a bigint
        ["alice", True],
        [7, 1],  # a username that is not text
        ["alice"],
    ],
)
def test_a_forged_users_cursor_is_refused_as_bad_input(gql, parts):
    from core.http import cursors

    f.user("alice")
    forged = cursors.encode({"k": "user", "p": parts})

    body = gql(USERS, first=2, after=forged)

    assert body["data"] is None or body["data"]["users"] is None
    [error] = body["errors"]
    assert error["message"] == "Invalid cursor."
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_cursor_of_another_list_is_refused_as_bad_input(gql):
    from social import paging

    f.user("alice")
    feed_cursor = paging.cursor_encode("feed", 1, 1)

    [error] = gql(USERS, first=2, after=feed_cursor)["errors"]

    assert (error["message"], error["extensions"]["code"]) == ("Invalid cursor.", "BAD_USER_INPUT")
