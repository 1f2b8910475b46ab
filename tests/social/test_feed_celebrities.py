"""The accounts a reader follows that are too big to fan out (merged into the feed as it
is read) are cached beside the feed, and dropped whenever they change: the reader's
follow and unfollow, and a followed account crossing the fan-out threshold either way."""

from __future__ import annotations

import pytest

from social import home_feed
from social.services import relationships
from tests.social import factories as f

pytestmark = pytest.mark.django_db

ORIGINS = "{ feed(first: 20) { edges { origin node { content } } } }"


@pytest.fixture(autouse=True)
def _threshold_of_two(settings):
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 2


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(call)``: run a write, then its after-commit work (the invalidation)."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def alice():
    return f.user("alice")


@pytest.fixture
def star():
    return f.user("star")


def _feed(gql, viewer) -> list[tuple[str, str]]:
    body = gql(ORIGINS, user=viewer)
    assert "errors" not in body, body
    return [(e["origin"], e["node"]["content"]) for e in body["data"]["feed"]["edges"]]


def test_the_followed_celebrities_are_read_once_then_cached(
    gql, alice, star, django_assert_num_queries
):
    f.follow(alice, star)
    f.follow(f.user("fan"), star)  # two followers: a celebrity
    f.post(star, "star's")

    assert _feed(gql, alice) == [("MERGED_AT_READ", "star's")]
    with django_assert_num_queries(0):
        assert home_feed.followed_celebrity_ids(viewer_id=alice.pk) == [star.pk]


def test_following_and_unfollowing_a_celebrity_changes_the_feed_at_once(
    gql, committed, alice, star
):
    f.follow(f.user("fan1"), star)
    f.follow(f.user("fan2"), star)
    f.post(star, "star's")
    assert _feed(gql, alice) == []  # cached: no celebrity followed

    committed(lambda: f.follow(alice, star))
    assert _feed(gql, alice) == [("MERGED_AT_READ", "star's")]

    committed(lambda: relationships.follow_delete(user=alice, username="star"))
    assert _feed(gql, alice) == []


def test_an_account_crossing_the_threshold_up_is_merged_at_read(gql, committed, alice, star):
    f.follow(alice, star)
    assert _feed(gql, alice) == []  # one follower: fanned out; nothing cached to merge

    fan = f.user("fan")
    committed(lambda: f.follow(fan, star))  # two: from now on never pushed
    f.post(star, "after the crossing")

    assert _feed(gql, alice) == [("MERGED_AT_READ", "after the crossing")]


def test_an_account_crossing_the_threshold_down_is_fanned_out_again(gql, committed, alice, star):
    fan = f.user("fan")
    f.follow(alice, star)
    f.follow(fan, star)
    f.post(star, "as a celebrity")
    assert _feed(gql, alice) == [("MERGED_AT_READ", "as a celebrity")]

    committed(lambda: relationships.follow_delete(user=fan, username="star"))  # one left
    f.post(star, "below again")

    assert _feed(gql, alice) == [
        ("FANNED_OUT", "below again"),
        ("FANNED_OUT", "as a celebrity"),
    ]
