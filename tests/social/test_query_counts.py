"""A page costs the same number of SQL queries whatever its size and nesting:
``feed``, ``posts``, ``users``, ``whoToFollow``, ``comments`` over GraphQL, and the REST
feed, posts and a post's comments, at 1 and 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.identity.models import User
from social.services import posts as post_services
from tests.helpers import client_for, warm_token_user
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


def _rest_count(api, url: str) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()["results"]


@pytest.mark.parametrize(
    ("signed_in", "author"),
    [(True, ""), (False, "&author=author3")],
    ids=["viewer-all", "anonymous-by-author"],
)
def test_the_rest_post_list_costs_the_same_at_1_and_50(world, signed_in, author):
    """Sixty posts by ten authors (and one by each of five suggested accounts), a third
    liked by the viewer: the page, the viewer's likes among it (signed in), the author's
    id (filtered): never a query per post."""
    viewer, _ = world
    for i in range(10):  # author3 has 6 posts: add some, so both pages differ
        f.post(User.objects.get(username="author3"), f"more {i}")
    api = warm_token_user(client_for(viewer if signed_in else None))
    url = f"/api/v1/social/posts/?page_size={{}}{author}"

    small, one = _rest_count(api, url.format(1))
    large, many = _rest_count(api, url.format(50))

    assert (len(one), len(many)) == (1, 16 if author else 50)
    assert len({post["author"]["username"] for post in many}) == (1 if author else 15)
    assert small == large <= 4, (small, large)  # 1 to 3 today


def test_the_rest_comment_list_costs_the_same_at_1_and_50(world):
    viewer, posts = world
    post = posts[0]
    commenters = [f.user(f"commenter{i}") for i in range(10)]
    for i in range(55):
        post_services.comment_create(user=commenters[i % 10], post_id=post.pk, text=f"c{i}")
    url = f"/api/v1/social/posts/{post.pk}/comments/?page_size={{}}"

    for api in (warm_token_user(client_for(viewer)), client_for()):
        small, one = _rest_count(api, url.format(1))
        large, many = _rest_count(api, url.format(50))

        assert (len(one), len(many)) == (1, 50)
        assert len({comment["author"]["username"] for comment in many}) == 11
        assert small == large <= 4, (small, large)  # the post, the page
