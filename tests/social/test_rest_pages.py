"""The REST lists page both ways: following ``next`` to the end and ``previous`` back to
the start gives the same pages, whether the feed comes from Redis, from PostgreSQL
(Redis down, or past the cached window) or merges an account too big to fan out; and
a page before costs the same queries as a page after."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from social.services import posts as post_services
from tests.helpers import client_for
from tests.helpers.pages import walk
from tests.social import factories as f

pytestmark = pytest.mark.django_db

FEED = "http://testserver/api/v1/social/feed/"


@pytest.fixture
def world():
    """A reader following two authors: 11 posts, two of them shared later by the other
    author (a shared post sits at its share's time), and one stranger's post."""
    reader, ann, ben = f.user("reader"), f.user("ann"), f.user("ben")
    f.follow(reader, ann)
    f.follow(reader, ben)
    posts = [f.post(ann if n % 2 else ben, f"post {n}") for n in range(11)]
    f.post(f.user("stranger"), "not followed")
    f.share(ann, posts[0])
    f.share(ben, posts[3])
    posts.append(f.post(reader, "mine"))
    return reader, posts


def _feed_ids(pages: list[dict]) -> list[int]:
    return [entry["post"]["id"] for page in pages for entry in page["results"]]


def test_the_feed_pages_back_to_the_same_pages_from_redis(world):
    reader, posts = world

    pages = walk(client_for(reader), f"{FEED}?page_size=3")

    shared = [posts[3], posts[0]]  # each at its share's time
    rest = [post for post in reversed(posts[:-1]) if post not in shared]
    assert [len(page["results"]) for page in pages] == [3, 3, 3, 3]
    assert _feed_ids(pages) == [post.pk for post in [posts[-1], *shared, *rest]]
    assert pages[0]["results"][1]["shared_by"]["username"] == "ben"


def test_the_feed_pages_back_from_the_database_while_redis_is_down(world, settings):
    reader, _ = world
    expected = _feed_ids(walk(client_for(reader), f"{FEED}?page_size=3"))
    settings.SOCIAL_FEED_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    pages = walk(client_for(reader), f"{FEED}?page_size=3")

    assert _feed_ids(pages) == expected


def test_the_feed_pages_back_across_the_end_of_the_cached_window(world, settings):
    reader, _ = world
    expected = _feed_ids(walk(client_for(reader), f"{FEED}?page_size=12"))
    settings.SOCIAL_FEED_MAX_ITEMS = 4  # the rest of the feed is only in the database

    pages = walk(client_for(reader), f"{FEED}?page_size=2")

    assert _feed_ids(pages) == expected


def test_the_feed_pages_back_through_an_account_too_big_to_fan_out(world, settings):
    reader, _ = world
    expected = _feed_ids(walk(client_for(reader), f"{FEED}?page_size=12"))
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 1  # ann and ben: merged in at read time

    pages = walk(client_for(reader), f"{FEED}?page_size=5")

    assert _feed_ids(pages) == expected


def test_a_previous_cursor_is_refused_by_graphql_and_a_forged_one_by_rest(world, gql):
    reader, _ = world
    second = client_for(reader).get(f"{FEED}?page_size=3").json()["next"]
    previous = client_for(reader).get(second).json()["previous"]
    cursor = previous.split("cursor=")[1].split("&")[0]

    body = gql(
        "query ($after: String) { feed(first: 2, after: $after) { edges { cursor } } }",
        user=reader,
        after=cursor,
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert client_for(reader).get(FEED, {"cursor": "garbage"}).status_code == 400


@pytest.mark.parametrize("size", [1, 4])
def test_a_page_before_costs_what_a_page_after_costs(world, size):
    reader, _ = world
    client = client_for(reader)
    second = client.get(f"{FEED}?page_size={size}").json()["next"]
    third = client.get(second).json()["next"]
    back = client.get(third).json()["previous"]

    with CaptureQueriesContext(connection) as forward:
        client.get(second)
    forward_count = len(forward)
    with CaptureQueriesContext(connection) as backward:
        client.get(back)

    assert len(backward) == forward_count <= 8


def test_posts_and_comments_page_both_ways(world):
    reader, posts = world
    for n in range(7):
        post_services.comment_create(user=reader, post_id=posts[0].pk, text=f"comment {n}")
    client = client_for(reader)

    post_pages = walk(client, "http://testserver/api/v1/social/posts/?page_size=4")
    comment_pages = walk(
        client, f"http://testserver/api/v1/social/posts/{posts[0].pk}/comments/?page_size=3"
    )

    assert [len(page["results"]) for page in post_pages] == [4, 4, 4, 1]  # 13 posts
    ann_pages = walk(client, "http://testserver/api/v1/social/posts/?author=ann&page_size=2")
    assert [p["id"] for page in ann_pages for p in page["results"]] == [
        post.pk for post in reversed(posts) if post.author.username == "ann"
    ]
    assert [c["text"] for page in comment_pages for c in page["results"]] == [
        f"comment {n}" for n in range(7)
    ]
