"""Blocks hide comments, both ways (as Mastodon does): after V blocks B, B reads none of
V's comments, even on a third person's post, and V none of B's, through every channel
(REST comments, GraphQL ``comments(postId:)``, ``post { comments }``, nested
``user { posts { comments } }``) and in every comment count shown to them. Anyone else
still reads them all; unblocking brings them back. The security matrix checks the same
from the outside (tests/security/test_object_properties.py)."""

from __future__ import annotations

import pytest

from social.services import posts, relationships
from tests.helpers import client_for
from tests.social import factories as f

pytestmark = pytest.mark.django_db

COMMENTS = """query($id: ID!) {
  comments(postId: $id, first: 10) { edges { node { text } } pageInfo { hasNextPage } }
  post(id: $id) { commentCount comments(first: 10) { edges { node { text } } } }
  posts(authorUsername: "third") { edges { node { commentCount } } }
  user(username: "third") { posts { edges { node { commentCount comments { edges { node {
    text } } } } } } }
  trending(first: 5) { commentCount }
}"""


@pytest.fixture
def thread():
    """Third's post with a comment by each of V, B and third; then V blocks B."""
    third, v, b = f.user("third"), f.user("vee"), f.user("bee")
    post = f.post(third, "a third person's post")
    for author in (v, b, third):
        posts.comment_create(user=author, post_id=post.pk, text=f"from {author.username}")
    relationships.block_create(user=v, username=b.username)
    return {"post": post, "third": third, "v": v, "b": b}


def _rest(user, post) -> tuple[list[str], int, int, int]:
    client = client_for(user)
    comments = client.get(f"/api/v1/social/posts/{post.pk}/comments/").json()["results"]
    detail = client.get(f"/api/v1/social/posts/{post.pk}/").json()
    listed = client.get("/api/v1/social/posts/", {"author": "third"}).json()["results"]
    liked = client.post(f"/api/v1/social/posts/{post.pk}/like/").json()
    return (
        [comment["text"] for comment in comments],
        detail["comment_count"],
        listed[0]["comment_count"],
        liked["comment_count"],
    )


def _graphql(gql, user, post) -> dict:
    data = gql(COMMENTS, user=user, id=str(post.pk))["data"]
    nested = data["user"]["posts"]["edges"][0]["node"]
    return {
        "comments": [edge["node"]["text"] for edge in data["comments"]["edges"]],
        "more": data["comments"]["pageInfo"]["hasNextPage"],
        "post": [edge["node"]["text"] for edge in data["post"]["comments"]["edges"]],
        "nested": [edge["node"]["text"] for edge in nested["comments"]["edges"]],
        "counts": [
            data["post"]["commentCount"],
            data["posts"]["edges"][0]["node"]["commentCount"],
            nested["commentCount"],
            *[post["commentCount"] for post in data["trending"]],
        ],
    }


@pytest.mark.parametrize(("reader", "hidden"), [("b", "from vee"), ("v", "from bee")])
def test_a_block_hides_each_ones_comments_from_the_other_over_rest(thread, reader, hidden):
    texts, detail, listed, liked = _rest(thread[reader], thread["post"])

    assert hidden not in texts
    assert len(texts) == 2
    assert (detail, listed, liked) == (2, 2, 2)


@pytest.mark.parametrize(("reader", "hidden"), [("b", "from vee"), ("v", "from bee")])
def test_a_block_hides_each_ones_comments_from_the_other_over_graphql(gql, thread, reader, hidden):
    seen = _graphql(gql, thread[reader], thread["post"])

    for channel in ("comments", "post", "nested"):
        assert hidden not in seen[channel], channel
        assert len(seen[channel]) == 2, channel
    assert seen["more"] is False
    assert seen["counts"] == [2, 2, 2, 2]  # post, posts, user.posts, trending


def test_everyone_else_reads_every_comment(gql, thread):
    for reader in (thread["third"], f.user("stranger"), None):
        assert _graphql(gql, reader, thread["post"])["comments"] == [
            "from vee",
            "from bee",
            "from third",
        ]
    texts, detail, listed, _ = _rest(thread["third"], thread["post"])
    assert (len(texts), detail, listed) == (3, 3, 3)


def test_a_page_of_comments_counts_only_what_the_reader_sees(thread):
    client = client_for(thread["b"])

    page = client.get(f"/api/v1/social/posts/{thread['post'].pk}/comments/", {"page_size": 2})

    assert [c["text"] for c in page.json()["results"]] == ["from bee", "from third"]
    assert page.json()["next"] is None


def test_unblocking_shows_the_comments_again(gql, thread):
    relationships.block_delete(user=thread["v"], username=thread["b"].username)

    seen = _graphql(gql, thread["b"], thread["post"])

    assert seen["comments"] == ["from vee", "from bee", "from third"]
    assert seen["counts"] == [3, 3, 3, 3]


def test_the_blocked_one_sharing_the_post_reads_the_count_they_see(gql, thread):
    body = gql(
        "mutation($id: ID!) { sharePost(postId: $id) { post { commentCount } "
        "share { post { commentCount } } } }",
        user=thread["b"],
        id=str(thread["post"].pk),
    )

    payload = body["data"]["sharePost"]
    assert (payload["post"]["commentCount"], payload["share"]["post"]["commentCount"]) == (2, 2)


def test_the_feed_counts_only_the_comments_its_reader_sees(gql, thread):
    f.follow(thread["b"], thread["third"])

    rest = client_for(thread["b"]).get("/api/v1/social/feed/").json()["results"]
    graph = gql("{ feed { edges { node { id commentCount } } } }", user=thread["b"])

    assert [(e["post"]["id"], e["post"]["comment_count"]) for e in rest] == [(thread["post"].pk, 2)]
    assert graph["data"]["feed"]["edges"] == [
        {"node": {"id": str(thread["post"].pk), "commentCount": 2}}
    ]
