"""Every mutation: success, anonymous refusal, non-owner refusal where there is an
owner, bad input; and the original documents' examples as literal documents."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core.tasking.events import UserRegistered
from social.models import Block, Comment, Follow, Like, Mute, Post, Profile, Share
from tests.social import factories as f
from tests.social.factories import codes

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def author():
    return f.user("author")


@pytest.fixture
def other():
    return f.user("other")


@pytest.fixture
def a_post(author):
    return f.post(author, "original")


# --- the original documents' examples ---------------------------------------------------


def test_create_user_works_anonymously_as_documented(gql):
    body = gql(
        'mutation { createUser(username: "newbie", email: "newbie@example.test", '
        'password: "long-and-unusual-42") { user { id username } } }'
    )

    user = User.objects.get(username="newbie")
    assert body == {"data": {"createUser": {"user": {"id": str(user.pk), "username": "newbie"}}}}
    assert Profile.objects.filter(user=user).exists()  # created on UserRegistered


def test_create_user_applies_the_registration_rules(gql):
    f.user("taken")
    body = gql(
        'mutation { createUser(username: "TAKEN", email: "x@example.test", '
        'password: "long-and-unusual-42") { user { id } } }'
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "username"
    assert not User.objects.filter(email="x@example.test").exists()


def test_create_user_rejects_a_weak_password(gql):
    body = gql(
        'mutation { createUser(username: "weak", email: "w@example.test", password: "123") '
        "{ user { id } } }"
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "password"


def test_create_user_reports_every_bad_argument_in_one_error(gql):
    f.user("taken", email="taken@example.test")
    body = gql(
        'mutation { createUser(username: "", email: "TAKEN@example.test", password: "12345") '
        "{ user { id } access refresh } }"
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    error = body["errors"][0]
    assert error["message"] == "Invalid input in: email, password, username."
    extensions = error["extensions"]
    assert extensions["field"] == "username"
    assert {
        field: [e["code"] for e in errors] for field, errors in extensions["errors"].items()
    } == {
        "username": ["blank"],
        "email": ["unique"],
        "password": ["password_too_short", "password_too_common", "password_entirely_numeric"],
    }
    assert all(e["message"] for errors in extensions["errors"].values() for e in errors)
    assert body["data"] == {"createUser": None}
    assert list(User.objects.values_list("username", flat=True)) == ["taken"]


def test_create_user_signs_the_new_account_in(gql, client):
    data = gql(
        'mutation { createUser(username: "newbie", email: "newbie@example.test", '
        'password: "long-and-unusual-42") { user { id } access refresh } }'
    )["data"]["createUser"]

    me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {data['access']}")
    assert me.status_code == 200, me.content
    assert (me.json()["id"], me.json()["username"]) == (int(data["user"]["id"]), "newbie")
    rotated = client.post(
        "/api/v1/auth/token/refresh/", {"refresh": data["refresh"]}, content_type="application/json"
    )
    assert rotated.status_code == 200, rotated.content
    assert set(rotated.json()) == {"access", "refresh"}


# --- anonymous writes are refused -------------------------------------------------------

ANONYMOUS = [
    'mutation { updateProfile(bio: "x") { user { id } } }',
    'mutation { createPost(content: "x") { post { id } } }',
    'mutation { updatePost(postId: "1", content: "x") { post { id } } }',
    'mutation { deletePost(postId: "1") { ok } }',
    'mutation { likePost(postId: "1") { post { id } } }',
    'mutation { unlikePost(postId: "1") { post { id } } }',
    'mutation { sharePost(postId: "1") { post { id } } }',
    'mutation { createComment(postId: "1", text: "x") { comment { id } } }',
    'mutation { deleteComment(commentId: "1") { ok } }',
    'mutation { followUser(username: "author") { ok } }',
    'mutation { unfollowUser(username: "author") { ok } }',
    'mutation { blockUser(username: "author") { ok } }',
    'mutation { unblockUser(username: "author") { ok } }',
    'mutation { muteUser(username: "author") { ok } }',
    'mutation { unmuteUser(username: "author") { ok } }',
]


@pytest.mark.parametrize("document", ANONYMOUS, ids=lambda d: d.split()[2].split("(")[0])
def test_anonymous_writes_are_refused(gql, author, document):
    before = (Post.objects.count(), Follow.objects.count(), Profile.objects.count())

    body = gql(document)

    assert codes(body) == ["UNAUTHENTICATED"]
    assert (Post.objects.count(), Follow.objects.count(), Profile.objects.count()) == before


# --- profile ----------------------------------------------------------------------------


def test_update_profile(gql, author):
    body = gql(
        'mutation { updateProfile(bio: "Hi", profilePicture: "https://img.test/a.png") '
        "{ user { bio profilePicture } } }",
        user=author,
    )

    assert body == {
        "data": {
            "updateProfile": {"user": {"bio": "Hi", "profilePicture": "https://img.test/a.png"}}
        }
    }


def test_update_profile_refuses_a_non_http_picture(gql, author):
    body = gql(
        'mutation { updateProfile(profilePicture: "javascript:alert(1)") { user { id } } }',
        user=author,
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "profilePicture"
    assert not Profile.objects.filter(user=author).exclude(profile_picture="").exists()


def test_a_user_without_a_profile_reads_as_empty_and_nothing_is_written(gql):
    admin = User.objects.create_superuser("root", "root@example.test", "long-and-unusual-42")
    Profile.objects.filter(user=admin).delete()

    body = gql('{ user(username: "root") { bio profilePicture followerCount followingCount } }')

    assert body == {
        "data": {"user": {"bio": "", "profilePicture": "", "followerCount": 0, "followingCount": 0}}
    }
    assert not Profile.objects.filter(user=admin).exists()


# --- posts ------------------------------------------------------------------------------


def test_create_post(gql, author):
    body = gql(
        'mutation { createPost(content: "Hello", mediaUrl: "https://img.test/p.jpg") '
        "{ post { content mediaUrl author { username } likeCount viewerHasLiked } } }",
        user=author,
    )

    assert body == {
        "data": {
            "createPost": {
                "post": {
                    "content": "Hello",
                    "mediaUrl": "https://img.test/p.jpg",
                    "author": {"username": "author"},
                    "likeCount": 0,
                    "viewerHasLiked": False,
                }
            }
        }
    }


def test_graphql_datetimes_are_rfc3339_utc_ending_in_z(gql, author):
    """As REST writes them (not graphene's `+00:00`), for posts and comments alike."""
    created = gql(
        'mutation { createPost(content: "Hello") { post { id createdAt updatedAt } } }',
        user=author,
    )["data"]["createPost"]["post"]
    comment = gql(
        'mutation ($id: ID!) { createComment(postId: $id, text: "Hi") { comment { createdAt } } }',
        user=author,
        id=created["id"],
    )
    post = Post.objects.get(pk=created["id"])
    written = [
        created["createdAt"],
        created["updatedAt"],
        comment["data"]["createComment"]["comment"]["createdAt"],
    ]

    assert created["createdAt"] == post.created_at.isoformat().replace("+00:00", "Z")
    assert all(value.endswith("Z") and "+" not in value for value in written), written


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ('content: ""', "content"),
        ('content: "%s"' % ("x" * 5001), "content"),
        ('content: "ok", mediaUrl: "ftp://files.test/a"', "mediaUrl"),
    ],
    ids=["empty", "too-long", "not-http"],
)
def test_create_post_refuses_bad_input(gql, author, arguments, field):
    body = gql(f"mutation {{ createPost({arguments}) {{ post {{ id }} }} }}", user=author)

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    assert Post.objects.count() == 0


def test_update_post_by_its_author(gql, author, a_post):
    body = gql(
        f'mutation {{ updatePost(postId: "{a_post.pk}", content: "edited") '
        "{ post { content } } }",
        user=author,
    )

    assert body == {"data": {"updatePost": {"post": {"content": "edited"}}}}


def test_update_post_by_someone_else_is_forbidden(gql, other, a_post):
    body = gql(
        f'mutation {{ updatePost(postId: "{a_post.pk}", content: "mine now") '
        "{ post { id } } }",
        user=other,
    )

    assert codes(body) == ["FORBIDDEN"]
    assert Post.objects.get(pk=a_post.pk).content == "original"


def test_update_post_refuses_blank_content_and_unknown_posts(gql, author, a_post):
    blank = gql(
        f'mutation {{ updatePost(postId: "{a_post.pk}", content: " ") {{ post {{ id }} }} }}',
        user=author,
    )
    missing = gql(
        'mutation { updatePost(postId: "999999", content: "x") { post { id } } }', user=author
    )
    garbage = gql(
        'mutation { updatePost(postId: "abc", content: "x") { post { id } } }', user=author
    )

    assert codes(blank) == ["BAD_USER_INPUT"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(garbage) == ["BAD_USER_INPUT"]


def test_delete_post_by_author_non_owner_and_moderator(gql, author, other, a_post):
    second = f.post(author)

    refused = gql(f'mutation {{ deletePost(postId: "{a_post.pk}") {{ ok }} }}', user=other)
    own = gql(f'mutation {{ deletePost(postId: "{a_post.pk}") {{ ok }} }}', user=author)
    moderated = gql(
        f'mutation {{ deletePost(postId: "{second.pk}") {{ ok }} }}', user=f.moderator()
    )
    again = gql(f'mutation {{ deletePost(postId: "{a_post.pk}") {{ ok }} }}', user=author)

    assert codes(refused) == ["FORBIDDEN"]
    assert own == {"data": {"deletePost": {"ok": True}}}
    assert moderated == {"data": {"deletePost": {"ok": True}}}
    assert codes(again) == ["NOT_FOUND"]
    assert Post.objects.count() == 0


# --- likes and shares -------------------------------------------------------------------


def test_like_and_unlike_are_idempotent(gql, other, a_post):
    like = (
        f'mutation {{ likePost(postId: "{a_post.pk}") {{ post {{ likeCount viewerHasLiked }} }} }}'
    )
    unlike = (
        f'mutation {{ unlikePost(postId: "{a_post.pk}") '
        "{ post { likeCount viewerHasLiked } } }"
    )

    first, second = gql(like, user=other), gql(like, user=other)
    removed, removed_again = gql(unlike, user=other), gql(unlike, user=other)

    liked = {"post": {"likeCount": 1, "viewerHasLiked": True}}
    assert first["data"]["likePost"] == second["data"]["likePost"] == liked
    unliked = {"post": {"likeCount": 0, "viewerHasLiked": False}}
    assert removed["data"]["unlikePost"] == removed_again["data"]["unlikePost"] == unliked
    assert Like.objects.count() == 0


def test_liking_a_missing_post_is_not_found(gql, other):
    assert codes(gql('mutation { likePost(postId: "424242") { post { id } } }', user=other)) == [
        "NOT_FOUND"
    ]


def test_share_post_once(gql, other, a_post):
    document = (
        f'mutation {{ sharePost(postId: "{a_post.pk}", comment: "worth it") '
        "{ post { shareCount } } }"
    )

    assert gql(document, user=other) == {"data": {"sharePost": {"post": {"shareCount": 1}}}}
    assert gql(document, user=other) == {"data": {"sharePost": {"post": {"shareCount": 1}}}}
    assert Share.objects.get().comment == "worth it"
    detailed = gql(
        f'mutation {{ sharePost(postId: "{a_post.pk}") '
        "{ share { comment user { username } post { id } } } }",
        user=other,
    )
    assert detailed == {
        "data": {
            "sharePost": {
                "share": {
                    "comment": "worth it",
                    "user": {"username": "other"},
                    "post": {"id": str(a_post.pk)},
                }
            }
        }
    }


def test_share_post_refuses_a_long_comment(gql, other, a_post):
    body = gql(
        f'mutation {{ sharePost(postId: "{a_post.pk}", comment: "{"x" * 501}") '
        "{ post { id } } }",
        user=other,
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert Share.objects.count() == 0


# --- comments ---------------------------------------------------------------------------


def test_create_comment_and_count_it(gql, other, a_post):
    body = gql(
        f'mutation {{ createComment(postId: "{a_post.pk}", text: "nice") '
        "{ comment { text author { username } postId } } }",
        user=other,
    )

    assert body == {
        "data": {
            "createComment": {
                "comment": {
                    "text": "nice",
                    "author": {"username": "other"},
                    "postId": str(a_post.pk),
                }
            }
        }
    }
    assert Post.objects.get(pk=a_post.pk).comment_count == 1


def test_create_comment_refuses_empty_text(gql, other, a_post):
    body = gql(
        f'mutation {{ createComment(postId: "{a_post.pk}", text: "") {{ comment {{ id }} }} }}',
        user=other,
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "text"
    assert Comment.objects.count() == 0


def test_delete_comment_by_author_non_owner_and_moderator(gql, author, other, a_post):
    from social.services import posts

    comment = posts.comment_create(user=other, post_id=a_post.pk, text="c1")
    second = posts.comment_create(user=other, post_id=a_post.pk, text="c2")

    refused = gql(f'mutation {{ deleteComment(commentId: "{comment.pk}") {{ ok }} }}', user=author)
    own = gql(f'mutation {{ deleteComment(commentId: "{comment.pk}") {{ ok }} }}', user=other)
    moderated = gql(
        f'mutation {{ deleteComment(commentId: "{second.pk}") {{ ok }} }}', user=f.moderator()
    )
    missing = gql('mutation { deleteComment(commentId: "987654") { ok } }', user=other)

    assert codes(refused) == ["FORBIDDEN"]
    assert own == moderated == {"data": {"deleteComment": {"ok": True}}}
    assert codes(missing) == ["NOT_FOUND"]
    assert Post.objects.get(pk=a_post.pk).comment_count == 0


# --- relationships ----------------------------------------------------------------------


def test_follow_and_unfollow_keep_counts_and_are_idempotent(gql, author, other):
    follow = (
        'mutation { followUser(username: "author") { ok user { followerCount viewerFollows } } }'
    )
    unfollow = (
        'mutation { unfollowUser(username: "author") { ok user { followerCount viewerFollows } } }'
    )

    assert gql(follow, user=other)["data"]["followUser"] == {
        "ok": True,
        "user": {"followerCount": 1, "viewerFollows": True},
    }
    assert gql(follow, user=other)["data"]["followUser"]["user"]["followerCount"] == 1
    assert gql(unfollow, user=other)["data"]["unfollowUser"] == {
        "ok": True,
        "user": {"followerCount": 0, "viewerFollows": False},
    }
    assert gql(unfollow, user=other)["data"]["unfollowUser"]["user"]["followerCount"] == 0


@pytest.mark.parametrize("action", ["followUser", "blockUser", "muteUser"])
def test_relations_refuse_yourself_and_unknown_accounts(gql, author, action):
    own = gql(f'mutation {{ {action}(username: "author") {{ ok }} }}', user=author)
    unknown = gql(f'mutation {{ {action}(username: "nobody-here") {{ ok }} }}', user=author)

    assert codes(own) == ["BAD_USER_INPUT"]
    assert codes(unknown) == ["NOT_FOUND"]
    assert (Follow.objects.count(), Block.objects.count(), Mute.objects.count()) == (0, 0, 0)


def test_block_unblock_mute_unmute(gql, author, other):
    f.follow(other, author)

    blocked = gql('mutation { blockUser(username: "other") { ok user { username } } }', user=author)
    unblocked = gql('mutation { unblockUser(username: "other") { ok } }', user=author)
    muted = gql('mutation { muteUser(username: "other") { ok } }', user=author)
    unmuted = gql('mutation { unmuteUser(username: "other") { ok } }', user=author)

    assert blocked == {"data": {"blockUser": {"ok": True, "user": {"username": "other"}}}}
    assert Follow.objects.count() == 0
    assert Profile.objects.get(user=author).follower_count == 0
    assert unblocked == {"data": {"unblockUser": {"ok": True}}}
    assert muted == {"data": {"muteUser": {"ok": True}}}
    assert unmuted == {"data": {"unmuteUser": {"ok": True}}}
    assert (Block.objects.count(), Mute.objects.count()) == (0, 0)


def test_writes_are_throttled_per_user(gql, author, write_rate):
    write_rate("2/min")
    document = 'mutation { createPost(content: "x") { post { id } } }'

    results = [gql(document, user=author) for _ in range(3)]

    assert [codes(r) for r in results] == [[], [], ["THROTTLED"]]
    assert results[2]["errors"][0]["extensions"]["retryAfter"] >= 1
    assert Post.objects.count() == 2
    assert codes(gql(document, user=f.user("someone_else"))) == []


def test_profile_is_created_on_user_registered(author):
    from social.handlers import on_user_registered

    Profile.objects.filter(user=author).delete()
    on_user_registered(UserRegistered(user_id=author.pk, username="author", email="", roles=()))

    assert Profile.objects.filter(user=author).exists()
