"""The REST mirror: the same services and rules as GraphQL, at the documented paths."""

from __future__ import annotations

import pytest

from social.models import Follow, Like, Post
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.social import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return f.user("author")


@pytest.fixture
def reader(author):
    reader = f.user("reader")
    f.follow(reader, author)
    return reader


def test_the_feed_lists_followed_posts_with_a_next_link(
    author, reader, django_capture_on_commit_callbacks
):
    posts = [f.post(author, f"p{i}") for i in range(3)]
    api = client_for(reader)

    first = api.get("/api/v1/social/feed/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert [r["post"]["id"] for r in first["results"]] == [posts[2].pk, posts[1].pk]
    assert [r["post"]["id"] for r in second["results"]] == [posts[0].pk]
    assert second["next"] is None
    assert first["results"][0]["shared_by"] is None


def test_the_feed_needs_a_token_and_a_valid_cursor(reader):
    assert client_for().get("/api/v1/social/feed/").status_code == 401
    bad = client_for(reader).get("/api/v1/social/feed/?cursor=nonsense")
    assert bad.status_code == 400


def test_post_crud_and_authorization(author, reader, django_capture_on_commit_callbacks):
    api, other = client_for(author), client_for(reader)

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/social/posts/", {"content": "via REST"}, format="json")
    post_id = created.json()["id"]
    listed = client_for().get("/api/v1/social/posts/?author=author").json()
    forbidden = other.patch(f"/api/v1/social/posts/{post_id}/", {"content": "x"}, format="json")
    after_forbidden = Post.objects.get(pk=post_id).content
    edited = api.patch(f"/api/v1/social/posts/{post_id}/", {"content": "edited"}, format="json")
    anonymous = client_for().post("/api/v1/social/posts/", {"content": "x"}, format="json")
    invalid = api.post("/api/v1/social/posts/", {"content": ""}, format="json")
    stored = list(Post.objects.values_list("pk", "content"))
    deleted = api.delete(f"/api/v1/social/posts/{post_id}/")

    assert created.status_code == 201
    assert created.json()["content"] == "via REST"
    assert [p["id"] for p in listed["results"]] == [post_id]
    assert_problem(forbidden, 403, "permission_denied")
    assert after_forbidden == "via REST"
    assert edited.json()["content"] == "edited"
    assert_problem(anonymous, 401, "not_authenticated")
    assert_invalid(invalid, "content")
    assert stored == [(post_id, "edited")]  # neither refused write posted
    assert deleted.status_code == 204
    assert client_for().get(f"/api/v1/social/posts/{post_id}/").status_code == 404
    assert Post.objects.count() == 0


@pytest.mark.parametrize("body", ["0", "[]", '"text"', "null"])
def test_a_write_body_that_is_not_an_object_is_a_400_that_changes_nothing(author, body):
    api = client_for(author)
    post = api.post("/api/v1/social/posts/", {"content": "kept"}, format="json").json()

    responses = [
        api.post("/api/v1/social/posts/", body, content_type="application/json"),
        api.patch(f"/api/v1/social/posts/{post['id']}/", body, content_type="application/json"),
        api.post(
            f"/api/v1/social/posts/{post['id']}/comments/", body, content_type="application/json"
        ),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert list(Post.objects.values_list("content", flat=True)) == ["kept"]
    assert Post.objects.get().comment_count == 0


def test_posts_of_an_unknown_author_are_a_404(author):
    response = client_for().get("/api/v1/social/posts/?author=nobody-here")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_like_unlike_and_comments(author, reader):
    post = f.post(author)
    api = client_for(reader)

    liked = api.post(f"/api/v1/social/posts/{post.pk}/like/")
    api.post(f"/api/v1/social/posts/{post.pk}/like/")
    unliked = api.delete(f"/api/v1/social/posts/{post.pk}/like/")
    comment = api.post(f"/api/v1/social/posts/{post.pk}/comments/", {"text": "hi"}, format="json")
    comments = client_for().get(f"/api/v1/social/posts/{post.pk}/comments/").json()

    assert (liked.json()["like_count"], liked.json()["viewer_has_liked"]) == (1, True)
    assert unliked.json()["like_count"] == 0
    assert Like.objects.count() == 0
    assert comment.status_code == 201
    assert [c["text"] for c in comments["results"]] == ["hi"]


def test_follow_and_unfollow(author):
    fan = f.user("fan")
    api = client_for(fan)

    followed = api.post("/api/v1/social/users/author/follow/")
    unfollowed = api.delete("/api/v1/social/users/author/follow/")
    missing = api.post("/api/v1/social/users/nobody/follow/")

    assert followed.json() == {"username": "author", "following": True, "follower_count": 1}
    assert unfollowed.json() == {"username": "author", "following": False, "follower_count": 0}
    assert missing.status_code == 404
    assert Follow.objects.filter(follower=fan).count() == 0


def test_rest_writes_share_the_per_user_limit(author, write_rate):
    write_rate("1/min")
    api = client_for(author)

    first = api.post("/api/v1/social/posts/", {"content": "one"}, format="json")
    throttled = api.post("/api/v1/social/posts/", {"content": "two"}, format="json")

    assert (first.status_code, first.json()["content"]) == (201, "one")
    assert_problem(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) >= 1
    assert list(Post.objects.values_list("author__username", "content")) == [("author", "one")]


def test_the_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert {
        "/api/v1/social/feed/": {"get"},
        "/api/v1/social/posts/": {"get", "post"},
        "/api/v1/social/posts/{id}/": {"get", "patch", "delete"},
        "/api/v1/social/posts/{id}/like/": {"post", "delete"},
        "/api/v1/social/posts/{id}/comments/": {"get", "post"},
        "/api/v1/social/users/{username}/follow/": {"post", "delete"},
    }.items() <= {path: set(ops) - {"parameters"} for path, ops in paths.items()}.items()
