"""A page costs the same number of SQL queries whatever its size and nesting:
``feed``, ``posts``, ``users``, ``whoToFollow``, ``comments`` over GraphQL and the REST
feed, at 1 and 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from social.services import posts as post_services
from tests.helpers import client_for
from tests.social import factories as f

pytestmark = pytest.mark.django_db

FEED = """
query ($first: Int) {
  feed(first: $first) {
    edges {
      cursor sharedBy { username bio } sharedAt origin
      node {
        id content likeCount viewerHasLiked
        author { username bio followerCount viewerFollows }
        comments(first: 3) { edges { node { text author { username bio } } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
POSTS = """
query ($first: Int) {
  posts(first: $first) {
    edges { node {
      id viewerHasLiked
      author { username bio posts(first: 2) { edges { node { id } } } }
      comments(first: 2) { edges { node { text } } }
    } }
  }
}
"""
PEOPLE = """
query ($first: Int) {
  users(first: $first) {
    edges { node { username postCount followerCount viewerFollows viewerBlocks viewerMutes } }
  }
}
"""
WHO_TO_FOLLOW = """
query ($first: Int) {
  whoToFollow(first: $first) { username postCount viewerFollows viewerBlocks viewerMutes }
}
"""
COMMENTS = """
query ($post: ID!, $first: Int) {
  comments(postId: $post, first: $first) {
    edges { node { text author { username bio followerCount viewerFollows } } }
  }
}
"""


@pytest.fixture
def world():
    """A viewer following 10 authors with 60 posts, some shared, liked, commented."""
    viewer = f.user("viewer")
    authors = [f.user(f"author{i}") for i in range(10)]
    for author in authors:
        f.follow(viewer, author)
    posts = [f.post(authors[i % 10], f"post {i}") for i in range(60)]
    for post in posts[::3]:
        post_services.post_like(user=viewer, post_id=post.pk)
        post_services.comment_create(user=authors[0], post_id=post.pk, text="hi")
    for post in posts[::7]:
        f.share(authors[1], post)
    for i in range(5):  # suggestions: followed by the authors, not by the viewer
        suggested = f.user(f"suggested{i}")
        f.post(suggested, "hi")
        f.follow(authors[i], suggested)
    return viewer, posts


def _count(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


@pytest.mark.parametrize("query", [FEED, POSTS, PEOPLE], ids=["feed", "posts", "people"])
def test_graphql_lists_cost_the_same_at_1_and_50(gql, world, query):
    viewer, _ = world
    gql(query, user=viewer, first=1)  # warm the feed (first read rebuilds it)

    small = _count(lambda: gql(query, user=viewer, first=1))
    large = _count(lambda: gql(query, user=viewer, first=50))

    assert small == large
    assert large <= 12


def test_who_to_follow_costs_the_same_at_6_and_50(gql, world):
    viewer, _ = world
    f.user("loner1"), f.user("loner2")  # followed by nobody: the fill-up
    gql(WHO_TO_FOLLOW, user=viewer, first=1)  # the token's user, cached

    # Both sizes take the five friends of friends, then fill up with the loners.
    small = _count(lambda: gql(WHO_TO_FOLLOW, user=viewer, first=6))
    large = _count(lambda: gql(WHO_TO_FOLLOW, user=viewer, first=50))

    assert len(gql(WHO_TO_FOLLOW, user=viewer, first=50)["data"]["whoToFollow"]) == 5 + 2
    assert small == large <= 8


def test_graphql_comments_cost_the_same_at_1_and_50(gql, world):
    viewer, posts = world
    post = posts[0]
    for i in range(55):
        post_services.comment_create(user=viewer, post_id=post.pk, text=f"c{i}")
    gql(COMMENTS, user=viewer, post=str(post.pk), first=1)  # the token's user, cached

    small = _count(lambda: gql(COMMENTS, user=viewer, post=str(post.pk), first=1))
    large = _count(lambda: gql(COMMENTS, user=viewer, post=str(post.pk), first=50))

    assert small == large <= 8


def test_the_rest_feed_costs_the_same_at_1_and_50(world):
    viewer, _ = world
    api = client_for(viewer)
    api.get("/api/v1/social/feed/?page_size=1")

    small = _count(lambda: api.get("/api/v1/social/feed/?page_size=1"))
    large = _count(lambda: api.get("/api/v1/social/feed/?page_size=50"))

    assert small == large <= 8
    assert len(api.get("/api/v1/social/feed/?page_size=50").json()["results"]) == 50
