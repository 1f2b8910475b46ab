"""Every social read but the home feed's (``social.home_feed``). Nothing here writes to
the database: a missing profile reads as an empty one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Model,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemError
from core.identity.models import User
from social import error_codes
from social.models import Block, Comment, Follow, Like, Mute, Post, Profile, Share
from social.paging import time_cursor_decode

# The rows of a page: posts, comments, ...
_Row = TypeVar("_Row", bound=Model)

DEFAULT_PAGE_SIZE = 20
TRENDING_NAMESPACE = "social.trending"


def not_found(what: str) -> ProblemError:
    return ProblemError(error_codes.NOT_FOUND, f"{what} not found.")


# --- relations -----------------------------------------------------------------------


def is_blocked_between(a_id: int, b_id: int) -> bool:
    return Block.objects.between(a_id, b_id).exists()


# The author's columns a post shows (GraphQL's ``User`` fields, REST's author): not the
# password hash, the email or the login bookkeeping of every author on a page.
AUTHOR_COLUMNS = ("id", "username", "first_name", "last_name", "date_joined", "is_staff")
POST_COLUMNS = tuple(field.name for field in Post._meta.concrete_fields)


def visible_posts(*, viewer_id: int | None) -> QuerySet[Post]:
    """Posts the viewer may see, each with the count of its comments they may not
    (``hidden_comment_count``, which ``visible_comment_count`` takes off); authors
    as the columns a post shows (``AUTHOR_COLUMNS``)."""
    posts = Post.objects.select_related("author").only(
        *POST_COLUMNS, *(f"author__{column}" for column in AUTHOR_COLUMNS)
    )
    if viewer_id is None:
        return posts
    posts = posts.filter(~Exists(Block.objects.between(viewer_id, OuterRef("author_id"))))
    return posts.annotate(hidden_comment_count=_hidden_comment_count(viewer_id))


def visible_comments(*, viewer_id: int | None) -> QuerySet[Comment]:
    """The one rule for comments, REST and GraphQL alike: none by an account blocked
    either way (whether the viewer sees the post is ``post_get``'s)."""
    comments = Comment.objects.select_related("author")
    if viewer_id is None:
        return comments
    return comments.filter(~Exists(Block.objects.between(viewer_id, OuterRef("author_id"))))


def _hidden_comment_count(viewer_id: int) -> Case:
    """A post's comments ``visible_comments`` hides, counted in the post's query (only
    for a viewer with a block at all)."""
    hidden = Comment.objects.filter(post_id=OuterRef("pk")).filter(
        Exists(Block.objects.between(viewer_id, OuterRef("author_id")))
    )
    count = hidden.values("post_id").annotate(n=Count("pk")).values("n")
    any_block = Exists(Block.objects.filter(Q(blocker_id=viewer_id) | Q(blocked_id=viewer_id)))
    return Case(When(any_block, then=Coalesce(Subquery(count), 0)), default=Value(0))


def visible_comment_count(post: Post) -> int:
    """``comment_count`` as the viewer of ``visible_posts`` sees it."""
    return max(post.comment_count - getattr(post, "hidden_comment_count", 0), 0)


# --- users and profiles ----------------------------------------------------------------


def user_get(*, username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise not_found("User")
    return user


def user_list(*, search: str | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True)
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return users.order_by("username", "id")


def user_page(
    *, search: str | None = None, first: int, after: tuple[str, int] | None = None
) -> tuple[list[User], bool]:
    """``first`` accounts of ``user_list`` after the position ``after`` (the username
    and id of a ``user`` cursor, as ``user_cursor_decode`` returns them), and whether
    more follow. One query."""
    users = user_list(search=search)
    if after is not None:
        username, pk = after
        users = users.filter(Q(username__gt=username) | Q(username=username, id__gt=pk))
    rows = list(users[: first + 1])
    return rows[:first], len(rows) > first


def profile_get(*, user_id: int) -> Profile:
    """The user's profile, or an unsaved empty one (nothing is written on a read)."""
    return profiles_by_user_id([user_id])[user_id]


def profiles_by_user_id(user_ids: Iterable[int]) -> dict[int, Profile]:
    ids = list(user_ids)
    found = {profile.user_id: profile for profile in Profile.objects.filter(user_id__in=ids)}
    return {user_id: found.get(user_id) or Profile(user_id=user_id) for user_id in ids}


def followed_ids(*, viewer_id: int, among: Iterable[int]) -> set[int]:
    return set(
        Follow.objects.filter(follower_id=viewer_id, followee_id__in=list(among)).values_list(
            "followee_id", flat=True
        )
    )


def blocked_ids(*, viewer_id: int, among: Iterable[int]) -> set[int]:
    """Those of ``among`` the viewer blocks (not those who block the viewer)."""
    return set(
        Block.objects.filter(blocker_id=viewer_id, blocked_id__in=list(among)).values_list(
            "blocked_id", flat=True
        )
    )


def muted_ids(*, viewer_id: int, among: Iterable[int]) -> set[int]:
    return set(
        Mute.objects.filter(muter_id=viewer_id, muted_id__in=list(among)).values_list(
            "muted_id", flat=True
        )
    )


def post_counts(*, author_ids: Iterable[int], viewer_id: int | None) -> dict[int, int]:
    """How many posts each author has that the viewer may see (none across a block, as
    their listing), in one query; authors without any are left out."""
    posts = Post.objects.filter(author_id__in=list(author_ids))
    if viewer_id is not None:
        posts = posts.filter(~Exists(Block.objects.between(viewer_id, OuterRef("author_id"))))
    rows = posts.order_by().values("author_id").annotate(n=Count("pk"))
    return {row["author_id"]: row["n"] for row in rows}


def who_to_follow(*, viewer_id: int, first: int) -> list[User]:
    """Up to ``first`` accounts to suggest: not the viewer, not followed, muted or
    blocked either way. Those most followed by the accounts the viewer follows come
    first (friends of friends), then the most followed overall. Two queries at most."""
    followed = Follow.objects.filter(follower_id=viewer_id).values("followee_id")
    candidates = (
        User.objects.filter(is_active=True)
        .exclude(pk=viewer_id)
        .exclude(pk__in=followed)
        .filter(~Exists(Block.objects.between(viewer_id, OuterRef("pk"))))
        .filter(~Exists(Mute.objects.filter(muter_id=viewer_id, muted_id=OuterRef("pk"))))
    )
    # Filtered before the count, the count is of the follows by followed accounts only.
    suggested: list[User] = list(
        candidates.filter(social_followers__follower_id__in=followed)
        .annotate(mutual=Count("social_followers"))
        .order_by("-mutual", "username", "pk")[:first]
    )
    if len(suggested) < first:
        suggested += list(
            candidates.exclude(pk__in=[user.pk for user in suggested]).order_by(
                F("social_profile__follower_count").desc(nulls_last=True), "username", "pk"
            )[: first - len(suggested)]
        )
    return suggested


def share_get(*, user_id: int, post_id: int) -> Share | None:
    return (
        Share.objects.select_related("user", "post__author")
        .filter(user_id=user_id, post_id=post_id)
        .first()
    )


def liked_post_ids(*, viewer_id: int, among: Iterable[int]) -> set[int]:
    return set(
        Like.objects.filter(user_id=viewer_id, post_id__in=list(among)).values_list(
            "post_id", flat=True
        )
    )


# --- posts and comments -----------------------------------------------------------------


def post_get(*, post_id: int, viewer_id: int | None) -> Post:
    post = visible_posts(viewer_id=viewer_id).filter(pk=post_id).first()
    if post is None:
        raise not_found("Post")
    return post


def post_list(*, viewer_id: int | None, author_id: int | None = None) -> QuerySet[Post]:
    posts = visible_posts(viewer_id=viewer_id)
    if author_id is not None:
        posts = posts.filter(author_id=author_id)
    return posts.order_by("-created_at", "-id")


def comment_list(*, post_id: int, viewer_id: int | None) -> QuerySet[Comment]:
    """The post's comments the viewer may read (``visible_comments``), oldest first."""
    return (
        visible_comments(viewer_id=viewer_id).filter(post_id=post_id).order_by("created_at", "id")
    )


def _pages_by(
    queryset: QuerySet[_Row], group: str, keys: Sequence[int], *, first: int, newest: bool
) -> dict[int, tuple[list[_Row], bool]]:
    """The first ``first`` rows of each ``group`` value in ``keys`` (newest or oldest
    first), in one query: a window function numbers each group's rows (filtering on it
    wraps it in a subquery, Django >= 4.2). Each page says whether more follow."""
    order = [OrderBy(F(field), descending=newest) for field in ("created_at", "id")]
    numbered = queryset.annotate(
        rank=Window(RowNumber(), partition_by=[F(group)], order_by=order)
    ).filter(rank__lte=first + 1)
    rows = list(numbered.select_related("author").order_by(group, *order))
    grouped: dict[int, list[_Row]] = {key: [] for key in keys}
    for row in rows:
        grouped[getattr(row, group)].append(row)
    return {
        key: (group_rows[:first], len(group_rows) > first) for key, group_rows in grouped.items()
    }


def comments_for_posts(
    *, post_ids: Sequence[int], viewer_id: int | None, first: int, after: str | None
) -> dict[int, tuple[list[Comment], bool]]:
    """The first ``first`` comments (oldest first) the viewer may read of each post, in
    one query: the nested ``Post.comments`` page."""
    queryset = visible_comments(viewer_id=viewer_id).filter(post_id__in=list(post_ids))
    position = time_cursor_decode("comment", after)
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk))
    return _pages_by(queryset, "post_id", post_ids, first=first, newest=False)


def posts_for_authors(
    *, author_ids: Sequence[int], viewer_id: int | None, first: int, after: str | None
) -> dict[int, tuple[list[Post], bool]]:
    """The newest ``first`` posts of each author the viewer may see, in one query
    (``User.posts`` nested)."""
    queryset = visible_posts(viewer_id=viewer_id).filter(author_id__in=list(author_ids))
    position = time_cursor_decode("post", after)
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return _pages_by(queryset, "author_id", author_ids, first=first, newest=True)


def trending_post_ids(*, first: int) -> list[int]:
    """Posts with the most likes, comments and shares in the last 24 hours (cached)."""

    def load() -> list[int]:
        since = timezone.now() - timedelta(hours=24)
        scores: dict[int, int] = {}
        for model in (Like, Comment, Share):
            rows = (
                model.objects.filter(created_at__gte=since)
                .values("post_id")
                .annotate(n=Count("id"))
                .order_by("-n")[:500]
            )
            for row in rows:
                scores[row["post_id"]] = scores.get(row["post_id"], 0) + row["n"]
        ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))
        return [post_id for post_id, _ in ranked[:100]]

    ids = core_cache.cached(
        TRENDING_NAMESPACE, ["top"], load, timeout=settings.SOCIAL_TRENDING_CACHE_SECONDS
    )
    return ids[:first]


def trending_post_list(*, viewer_id: int | None, first: int) -> list[Post]:
    """The first ``first`` trending posts (``trending_post_ids``) that the viewer may
    see, in trending order. One query, and the cached ranking."""
    ids = trending_post_ids(first=first)
    found = {post.pk: post for post in visible_posts(viewer_id=viewer_id).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
