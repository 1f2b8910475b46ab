"""The home feed: what is in it, in which order, across pages, and what happens
when Redis is cold, evicted or down."""

from __future__ import annotations

import pytest

from core.http.timestamps import iso_utc
from social import feed, home_feed
from tests.helpers import client_for
from tests.social import factories as f
from tests.social.factories import FEED, codes, feed_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return f.user("alice")


@pytest.fixture
def bob():
    return f.user("bob")


@pytest.fixture
def carol():
    return f.user("carol")


def test_the_feed_holds_followed_and_own_posts_newest_first(gql, alice, bob, carol):
    f.follow(alice, bob)
    first = f.post(bob, "bob 1")
    mine = f.post(alice, "mine")
    f.post(carol, "carol, not followed")
    last = f.post(bob, "bob 2")

    assert feed_ids(gql, alice) == [last.pk, mine.pk, first.pk]


def test_a_new_post_is_fanned_out_into_a_built_feed(gql, alice, bob):
    f.follow(alice, bob)
    assert feed_ids(gql, alice) == []  # builds (and caches) the empty feed

    created = gql('mutation { createPost(content: "fresh") { post { id } } }', user=bob)
    post_id = int(created["data"]["createPost"]["post"]["id"])

    assert feed.read(alice.pk, before=None, count=10)[0][0].post_id == post_id
    assert feed_ids(gql, alice) == [post_id]


def test_cursors_neither_repeat_nor_skip_while_new_posts_arrive(gql, alice, bob):
    f.follow(alice, bob)
    posts = [f.post(bob, f"p{i}") for i in range(7)]
    page = gql(FEED, user=alice, first=3)["data"]["feed"]
    seen = [int(e["node"]["id"]) for e in page["edges"]]
    while page["pageInfo"]["hasNextPage"]:
        f.post(bob, "arrives meanwhile")  # newer than everything: must not shift pages
        page = gql(FEED, user=alice, first=3, after=page["pageInfo"]["endCursor"])["data"]["feed"]
        seen += [int(e["node"]["id"]) for e in page["edges"]]

    assert seen == [p.pk for p in reversed(posts)]


def test_an_invalid_cursor_is_bad_user_input(gql, alice):
    body = gql(FEED, user=alice, first=3, after="not-a-cursor")

    assert codes(body) == ["BAD_USER_INPUT"]


def test_unfollow_removes_the_authors_posts(gql, alice, bob):
    f.follow(alice, bob)
    f.post(bob)
    assert len(feed_ids(gql, alice)) == 1

    gql('mutation { unfollowUser(username: "bob") { ok } }', user=alice)

    assert feed_ids(gql, alice) == []


def test_follow_backfills_recent_posts(gql, alice, bob):
    old = [f.post(bob, f"old {i}") for i in range(3)]
    assert feed_ids(gql, alice) == []

    gql('mutation { followUser(username: "bob") { ok user { viewerFollows } } }', user=alice)

    assert feed_ids(gql, alice) == [p.pk for p in reversed(old)]


def test_blocking_removes_both_ways_and_ends_follows(gql, alice, bob):
    f.follow(alice, bob)
    f.follow(bob, alice)
    theirs, mine = f.post(bob), f.post(alice)
    assert feed_ids(gql, alice) == [mine.pk, theirs.pk]

    body = gql('mutation { blockUser(username: "bob") { ok } }', user=alice)

    assert body == {"data": {"blockUser": {"ok": True}}}
    assert feed_ids(gql, alice) == [mine.pk]
    assert feed_ids(gql, bob) == [theirs.pk]
    refused = gql('mutation { followUser(username: "alice") { ok } }', user=bob)
    assert codes(refused) == ["FORBIDDEN"]
    hidden = gql(f'{{ post(id: "{mine.pk}") {{ id }} }}', user=bob)
    assert hidden == {"data": {"post": None}}
    like = gql(f'mutation {{ likePost(postId: "{mine.pk}") {{ post {{ id }} }} }}', user=bob)
    assert codes(like) == ["NOT_FOUND"]


def test_muting_removes_posts_and_shares_silently(gql, alice, bob, carol):
    f.follow(alice, bob)
    f.follow(alice, carol)
    bobs = f.post(bob, "bob")
    carols = f.post(carol, "carol")
    f.share(carol, bobs)
    assert set(feed_ids(gql, alice)) == {bobs.pk, carols.pk}

    gql('mutation { muteUser(username: "bob") { ok } }', user=alice)

    assert feed_ids(gql, alice) == [carols.pk]
    assert codes(gql("{ me { username } }", user=bob)) == []  # bob is not told


def test_a_deleted_post_disappears_at_once(gql, alice, bob):
    f.follow(alice, bob)
    kept, gone = f.post(bob), f.post(bob)
    assert feed_ids(gql, alice) == [gone.pk, kept.pk]

    gql(f'mutation {{ deletePost(postId: "{gone.pk}") {{ ok }} }}', user=bob)

    assert feed_ids(gql, alice) == [kept.pk]


def test_a_post_shared_twice_appears_once_with_the_newest_share(gql, alice, bob, carol):
    dave = f.user("dave")
    f.follow(alice, bob)
    f.follow(alice, carol)
    original = f.post(dave, "dave's")
    assert feed_ids(gql, alice) == []
    f.share(bob, original)
    newest = f.share(carol, original)
    # shares reach built feeds through fan-out
    from social.services import fanout

    fanout.feed_fan_out(
        post_id=original.pk,
        source_id=bob.pk,
        score=feed.to_ms(original.shares.get(user=bob).created_at),
    )
    fanout.feed_fan_out(
        post_id=original.pk, source_id=carol.pk, score=feed.to_ms(newest.created_at)
    )

    edges = gql(FEED, user=alice, first=10)["data"]["feed"]["edges"]

    assert [int(e["node"]["id"]) for e in edges] == [original.pk]
    assert edges[0]["sharedBy"] == {"username": "carol"}
    assert edges[0]["sharedAt"] == iso_utc(newest.created_at)  # RFC 3339, UTC, `Z`
    # the same after a rebuild from the database
    feed.invalidate([alice.pk])
    again = gql(FEED, user=alice, first=10)["data"]["feed"]["edges"]
    assert again == edges


SHARERS = """
{ feed(first: 10) { edges {
  sharedBy { username firstName lastName } sharedByCount node { id author { username } }
} } }
"""


def test_a_post_shared_by_many_shows_the_newest_sharer_and_how_many_shared_it(gql, alice):
    author, stranger = f.user("dave"), f.user("erin")
    friends = [f.user(f"friend{i}", first_name=f"First{i}", last_name="Last") for i in range(3)]
    for friend in friends:
        f.follow(alice, friend)
    shared, plain = f.post(author, "shared"), f.post(friends[0], "plain")
    for friend in friends:
        f.share(friend, shared)
    f.share(stranger, shared)  # newest, but alice does not follow erin

    edges = gql(SHARERS, user=alice)["data"]["feed"]["edges"]
    rest = client_for(alice).get("/api/v1/social/feed/").json()["results"]

    assert edges == [
        {
            "sharedBy": {"username": "friend2", "firstName": "First2", "lastName": "Last"},
            "sharedByCount": 3,
            "node": {"id": str(shared.pk), "author": {"username": "dave"}},
        },
        {
            "sharedBy": None,
            "sharedByCount": 0,
            "node": {"id": str(plain.pk), "author": {"username": "friend0"}},
        },
    ]
    assert [(r["post"]["id"], r["shared_by"], r["shared_by_count"]) for r in rest] == [
        (shared.pk, {"id": friends[2].pk, "username": "friend2"}, 3),
        (plain.pk, None, 0),
    ]


def test_share_mutation_puts_the_post_in_followers_feeds(gql, alice, bob, carol):
    f.follow(alice, bob)
    theirs = f.post(carol)
    assert feed_ids(gql, alice) == []

    body = gql(
        f'mutation {{ sharePost(postId: "{theirs.pk}", comment: "look") '
        "{ post { shareCount } } }",
        user=bob,
    )

    assert body == {"data": {"sharePost": {"post": {"shareCount": 1}}}}
    edges = gql(FEED, user=alice, first=10)["data"]["feed"]["edges"]
    assert [(int(e["node"]["id"]), e["sharedBy"]) for e in edges] == [
        (theirs.pk, {"username": "bob"})
    ]


def test_redis_down_falls_back_to_the_database(gql, alice, bob, settings, caplog):
    f.follow(alice, bob)
    posts = [f.post(bob) for _ in range(3)]
    settings.SOCIAL_FEED_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    body = gql(FEED, user=alice, first=10)

    assert "errors" not in body
    assert [int(e["node"]["id"]) for e in body["data"]["feed"]["edges"]] == [
        p.pk for p in reversed(posts)
    ]
    assert home_feed.feed_page(viewer_id=alice.pk, first=10, after=None).source == "database"


def test_a_cold_feed_is_rebuilt_and_then_served_from_redis(alice, bob):
    f.follow(alice, bob)
    f.post(bob)

    first = home_feed.feed_page(viewer_id=alice.pk, first=10, after=None)
    second = home_feed.feed_page(viewer_id=alice.pk, first=10, after=None)

    assert (first.source, second.source) == ("rebuilt", "redis")
    assert [i.post.pk for i in first.items] == [i.post.pk for i in second.items]


def test_a_feed_past_its_cap_continues_from_the_database(gql, alice, bob, settings):
    settings.SOCIAL_FEED_MAX_ITEMS = 4
    f.follow(alice, bob)
    posts = [f.post(bob) for _ in range(9)]

    seen, after = [], None
    while True:
        page = home_feed.feed_page(viewer_id=alice.pk, first=3, after=after)
        seen += [item.post.pk for item in page.items]
        if not page.has_next:
            break
        after = page.items[-1].cursor

    assert seen == [p.pk for p in reversed(posts)]


def test_a_high_follower_author_is_merged_in_at_read_time(gql, alice, bob, settings):
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 1
    f.follow(alice, bob)  # bob now has 1 follower: over the threshold
    assert feed_ids(gql, alice) == []

    created = gql('mutation { createPost(content: "to millions") { post { id } } }', user=bob)
    post_id = int(created["data"]["createPost"]["post"]["id"])

    assert feed.read(alice.pk, before=None, count=10) == ([], 0)  # not pushed
    assert feed_ids(gql, alice) == [post_id]  # but merged in


def test_the_feed_needs_authentication(gql):
    assert codes(gql(FEED)) == ["UNAUTHENTICATED"]


def test_feed_user_id_is_the_viewers_own_or_a_moderators(gql, alice, bob):
    f.follow(alice, bob)
    theirs = f.post(bob, "x")
    query = "query ($id: ID) { feed(userId: $id) { edges { node { id } } } }"

    own = gql(query, user=alice, id=str(alice.pk))
    other = gql(query, user=bob, id=str(alice.pk))
    moderated = gql(query, user=f.moderator("mod"), id=str(alice.pk))

    assert own["data"]["feed"]["edges"] == [{"node": {"id": str(theirs.pk)}}]
    assert codes(other) == ["FORBIDDEN"]
    assert moderated["data"]["feed"]["edges"] == [{"node": {"id": str(theirs.pk)}}]


def test_the_original_documents_feed_example_works_literally(gql, bob):
    viewer = f.user("first_user", id=1)  # the documents' example reads user 1's feed
    f.follow(viewer, bob)
    theirs = f.post(bob, "from the docs")
    query = "{ feed(userId: 1) { edges { node { id content author { username } createdAt } } } }"

    body = gql(query, user=viewer)

    assert body == {
        "data": {
            "feed": {
                "edges": [
                    {
                        "node": {
                            "id": str(theirs.pk),
                            "content": "from the docs",
                            "author": {"username": "bob"},
                            "createdAt": iso_utc(theirs.created_at),
                        }
                    }
                ]
            }
        }
    }
