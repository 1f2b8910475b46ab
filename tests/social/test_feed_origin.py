"""Each home-feed entry says how it reached the feed: fanned out when written, or
merged at read time from an account too followed to fan out (GraphQL's `origin` on the
feed edge, REST's `origin` on the entry), the same whichever store answered."""

from __future__ import annotations

import pytest

from social import feed, home_feed
from tests.helpers import client_for
from tests.social import factories as f

pytestmark = pytest.mark.django_db

ORIGIN_FEED = """
{ feed(first: 20) { edges { origin sharedBy { username } node { content } } } }
"""


@pytest.fixture
def world(settings):
    """Alice follows bob (one follower) and star (two: over a threshold of two)."""
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 2
    alice, bob, star, fan, stranger = (
        f.user(name) for name in ("alice", "bob", "star", "fan", "stranger")
    )
    f.follow(alice, bob)
    f.follow(alice, star)
    f.follow(fan, star)
    old_star = f.post(star, "star, shared by bob")
    f.post(bob, "bob's own")
    f.post(star, "star's own")
    f.post(alice, "alice's own")
    strangers = f.post(stranger, "stranger, shared by star")
    f.share(star, strangers)
    f.share(bob, old_star)
    return alice


EXPECTED = [
    ("FANNED_OUT", "bob", "star, shared by bob"),
    ("MERGED_AT_READ", "star", "stranger, shared by star"),
    ("FANNED_OUT", None, "alice's own"),
    ("MERGED_AT_READ", None, "star's own"),
    ("FANNED_OUT", None, "bob's own"),
]


def _origins(body):
    assert "errors" not in body, body
    return [
        (e["origin"], (e["sharedBy"] or {}).get("username"), e["node"]["content"])
        for e in body["data"]["feed"]["edges"]
    ]


def test_graphql_says_which_entries_were_fanned_out_and_which_merged_at_read(gql, world):
    rebuilt = gql(ORIGIN_FEED, user=world)
    cached = gql(ORIGIN_FEED, user=world)

    assert _origins(rebuilt) == EXPECTED
    assert _origins(cached) == EXPECTED
    # Nothing of star's was pushed: the cached feed holds only the fanned-out entries.
    entries, _ = feed.read(world.pk, before=None, count=20)
    assert len(entries) == 3


def test_without_a_feed_store_the_origins_are_the_same(gql, world, settings):
    settings.SOCIAL_FEED_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    body = gql(ORIGIN_FEED, user=world)

    assert home_feed.feed_page(viewer_id=world.pk, first=20, after=None).source == "database"
    assert _origins(body) == EXPECTED


def test_the_rest_feed_carries_the_same_origins(world):
    results = client_for(world).get("/api/v1/social/feed/").json()["results"]

    assert [(r["origin"], r["post"]["content"]) for r in results] == [
        (origin.lower(), content) for origin, _, content in EXPECTED
    ]


def test_below_the_threshold_every_entry_is_fanned_out(gql, world, settings):
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 3  # star's two followers are no longer enough

    assert {origin for origin, _, _ in _origins(gql(ORIGIN_FEED, user=world))} == {"FANNED_OUT"}
