"""Who to follow, and what a profile shows the viewer: its post count and whether the
viewer follows, blocks or mutes it."""

from __future__ import annotations

import pytest

from social.services import relationships
from tests.social import factories as f
from tests.social.factories import codes

pytestmark = pytest.mark.django_db

WHO = "query ($first: Int) { whoToFollow(first: $first) { username viewerFollows } }"
PROFILE = """
query ($name: String!) {
  user(username: $name) {
    postCount followerCount followingCount viewerFollows viewerBlocks viewerMutes
    posts(first: 5) { edges { node { id } } }
  }
}
"""


def _user(name):
    from core.identity.models import User

    return User.objects.get(username=name)


def _names(body) -> list[str]:
    assert "errors" not in body, body
    return [user["username"] for user in body["data"]["whoToFollow"]]


@pytest.fixture
def alice():
    """Alice follows bob and carol; their follows, and the crowd's, make the ranking."""
    alice, bob, carol = f.user("alice"), f.user("bob"), f.user("carol")
    f.follow(alice, bob)
    f.follow(alice, carol)
    friend_of_two, friend_of_one, popular = f.user("zed"), f.user("yan"), f.user("pop")
    for follower in (bob, carol):
        f.follow(follower, friend_of_two)
    f.follow(bob, friend_of_one)
    for name in ("crowd1", "crowd2", "crowd3"):
        f.follow(f.user(name), popular)
    # Followed by bob, but hidden from alice: muted, blocked, blocking her.
    for name in ("muted", "blocked", "blocker"):
        f.follow(bob, f.user(name))
    relationships.mute_create(user=alice, username="muted")
    relationships.block_create(user=alice, username="blocked")
    relationships.block_create(user=_user("blocker"), username="alice")
    return alice


def test_friends_of_friends_come_first_then_the_most_followed(gql, alice):
    assert _names(gql(WHO, user=alice, first=3)) == ["zed", "yan", "pop"]


def test_followed_muted_blocked_and_oneself_are_never_suggested(gql, alice):
    suggested = gql(WHO, user=alice, first=50)["data"]["whoToFollow"]

    assert sorted(user["username"] for user in suggested) == [
        "crowd1",
        "crowd2",
        "crowd3",
        "pop",
        "yan",
        "zed",
    ]
    assert {user["viewerFollows"] for user in suggested} == {False}


def test_a_followed_suggestion_leaves_the_list(gql, alice):
    body = gql('mutation { followUser(username: "zed") { ok } }', user=alice)

    assert body == {"data": {"followUser": {"ok": True}}}
    assert _names(gql(WHO, user=alice, first=2)) == ["yan", "pop"]


def test_who_to_follow_needs_authentication_and_a_sane_size(gql, alice):
    assert codes(gql(WHO)) == ["UNAUTHENTICATED"]
    assert codes(gql(WHO, user=alice, first=0)) == ["BAD_USER_INPUT"]


def test_a_profile_counts_posts_and_says_how_the_viewer_relates_to_it(gql, alice):
    bob = _user("bob")
    for i in range(3):
        f.post(bob, f"bob {i}")
    relationships.mute_create(user=alice, username="bob")

    seen = gql(PROFILE, user=alice, name="bob")["data"]["user"]
    anonymous = gql(PROFILE, name="bob")["data"]["user"]

    assert seen == {
        "postCount": 3,
        "followerCount": 1,
        "followingCount": 5,
        "viewerFollows": True,
        "viewerBlocks": False,
        "viewerMutes": True,
        "posts": seen["posts"],
    }
    assert len(seen["posts"]["edges"]) == 3
    assert (anonymous["postCount"], anonymous["viewerMutes"], anonymous["viewerBlocks"]) == (
        3,
        False,
        False,
    )


def test_across_a_block_a_profile_shows_no_posts_and_says_so(gql, alice):
    blocked = _user("blocked")
    f.post(blocked, "hidden from alice")

    profile = gql(PROFILE, user=alice, name="blocked")["data"]["user"]
    unblocked = gql(
        'mutation { unblockUser(username: "blocked") { user { viewerBlocks } } }', user=alice
    )

    assert (profile["postCount"], profile["posts"]["edges"], profile["viewerBlocks"]) == (
        0,
        [],
        True,
    )
    assert unblocked == {"data": {"unblockUser": {"user": {"viewerBlocks": False}}}}
    assert gql(PROFILE, user=alice, name="blocked")["data"]["user"]["postCount"] == 1
