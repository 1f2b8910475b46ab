"""Whose home feed a viewer reads, one rule for the REST feed and GraphQL's ``feed``:
their own; another's only as a moderator. The refusals and their order (signed in
first, then a well-formed ``userId``, then the rule, then the page size) as clients
see them."""

from __future__ import annotations

import pytest

from tests.helpers import assert_invalid, assert_problem, client_for
from tests.social import factories as f

pytestmark = pytest.mark.django_db

FEED_URL = "/api/v1/social/feed/"
FEED_OF = (
    "query ($id: ID, $first: Int) { feed(userId: $id, first: $first) { edges { node { id } } } }"
)


@pytest.fixture
def alice():
    return f.user("alice")


@pytest.fixture
def mine(alice):
    """alice follows bob: his post is in her feed (and in his own)."""
    bob = f.user("bob")
    f.follow(alice, bob)
    return f.post(bob, "for alice")


def _rest_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["post"]["id"] for item in response.json()["results"]]


def _gql_ids(body) -> list[int]:
    assert "errors" not in body, body
    return [int(edge["node"]["id"]) for edge in body["data"]["feed"]["edges"]]


def _refusal(message: str, code: str, **extensions) -> dict:
    return {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": 32}],
                "path": ["feed"],
                "extensions": {"code": code, **extensions},
            }
        ],
        "data": None,
    }


def test_a_user_reads_their_own_feed_over_rest_and_graphql(gql, alice, mine):
    assert _rest_ids(client_for(alice).get(FEED_URL)) == [mine.pk]
    assert _gql_ids(gql(FEED_OF, user=alice)) == [mine.pk]
    assert _gql_ids(gql(FEED_OF, user=alice, id=str(alice.pk))) == [mine.pk]


def test_another_users_feed_is_forbidden_to_a_user(gql, alice, mine):
    carol = f.user("carol")

    body = gql(FEED_OF, user=carol, id=str(alice.pk))

    assert body == _refusal("You may only read your own feed.", "FORBIDDEN")


def test_a_moderator_reads_anyones_feed(gql, alice, mine):
    moderator = f.moderator("mod")

    assert _gql_ids(gql(FEED_OF, user=moderator, id=str(alice.pk))) == [mine.pk]
    assert _gql_ids(gql(FEED_OF, user=moderator)) == []  # their own: empty


@pytest.mark.parametrize("who", ["user", "moderator"])
def test_over_rest_the_feed_is_always_the_viewers_own(alice, mine, who):
    """The REST feed names no owner: asked for another's, it is a 400 naming the
    parameters it takes, and the viewer's own feed holds nobody else's posts."""
    viewer = f.user("carol") if who == "user" else f.moderator("mod")

    refused = client_for(viewer).get(FEED_URL, {"user_id": alice.pk})
    own = client_for(viewer).get(FEED_URL)

    body = assert_invalid(refused, "user_id")
    assert body["errors"]["user_id"][0]["message"] == "Unknown parameter; use: cursor, page_size."
    assert _rest_ids(own) == []


def test_anonymous_readers_are_refused_before_anything_else(gql, alice):
    rest = client_for().get(FEED_URL, {"page_size": "0"})
    body = gql(FEED_OF, id="not-a-number", first=0)

    assert_problem(rest, 401, "not_authenticated")
    assert body == _refusal(
        "Sign in first: send `Authorization: Bearer <access token>`.", "UNAUTHENTICATED"
    )


def test_a_malformed_user_id_comes_before_the_rule(gql, alice):
    body = gql(FEED_OF, user=alice, id="not-a-number", first=0)

    assert body == _refusal("`userId` must be a numeric id.", "BAD_USER_INPUT", field="userId")


def test_the_rule_comes_before_the_page_size(gql, alice, mine):
    carol = f.user("carol")

    refused = gql(FEED_OF, user=carol, id=str(alice.pk), first=0)
    own = gql(FEED_OF, user=carol, id=str(carol.pk), first=0)

    assert refused == _refusal("You may only read your own feed.", "FORBIDDEN")
    assert own["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
