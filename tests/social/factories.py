"""Social test data: users through core's factory, posts and relations directly (with
explicit times, so ordering is exact) and GraphQL helpers (REST clients: tests.helpers)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from social.models import Follow, Post, Share
from tests.core.factories import UserFactory

_clock = count()
BASE = timezone.now() - timedelta(days=1)


def tick() -> datetime:
    """Strictly increasing times, a second apart, in the recent past."""
    return BASE + timedelta(seconds=next(_clock))


def user(name: str | None = None, **kwargs: Any):
    return UserFactory(username=name, **kwargs) if name else UserFactory(**kwargs)


def moderator(name: str | None = None):
    return user(name, roles=["customer", "moderator"])


def post(author, content: str = "hello", at: datetime | None = None) -> Post:
    at = at or tick()
    return Post.objects.create(author=author, content=content, created_at=at, updated_at=at)


def follow(follower, followee) -> Follow:
    from social.services import relationships

    relationships.follow_create(user=follower, username=followee.username)
    return Follow.objects.get(follower=follower, followee=followee)


def share(user_, post_: Post, at: datetime | None = None) -> Share:
    from social.models import Post as PostModel

    row = Share.objects.create(user=user_, post=post_, created_at=at or tick())
    PostModel.objects.filter(pk=post_.pk).update(share_count=post_.shares.count())
    return row


def token(user_) -> str:
    return str(AccessToken.for_user(user_))


def graphql(client: Client, query: str, *, user=None, variables=None) -> dict[str, Any]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(user)}"} if user is not None else {}
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = variables
    response = client.post("/graphql/", body, content_type="application/json", **headers)
    # 429: a throttled mutation (with Retry-After; its error says THROTTLED).
    assert response.status_code in (200, 400, 429), response.content
    return response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


FEED = """
query ($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges { cursor sharedBy { username } sharedAt node { id content author { username } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def feed_ids(gql, viewer, first: int = 50) -> list[int]:
    body = gql(FEED, user=viewer, first=first)
    assert "errors" not in body, body
    return [int(edge["node"]["id"]) for edge in body["data"]["feed"]["edges"]]
