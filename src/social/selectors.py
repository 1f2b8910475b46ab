"""Every social read. Nothing here writes to the database: a missing profile reads
as an empty one, and a cold feed is computed from the tables (the only write is
the rebuilt Redis feed, a cache)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

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
from core.identity import roles
from core.identity.models import User
from social import error_codes, feed
from social.feed import Entry
from social.models import Block, Comment, Follow, Like, Mute, Post, Profile, Share
from social.paging import backward, feed_cursor, feed_cursor_decode, time_cursor_decode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# The rows of a page: posts, comments, ...
_Row = TypeVar("_Row", bound=Model)

DEFAULT_PAGE_SIZE = 20
BACK_FEED = backward("feed")  # the kind of the feed's ``previous`` cursors
TRENDING_NAMESPACE = "social.trending"


def not_found(what: str) -> ProblemError:
    return ProblemError(error_codes.NOT_FOUND, f"{what} not found.")


# --- relations -----------------------------------------------------------------------


def is_blocked_between(a_id: int, b_id: int) -> bool:
    return Block.objects.between(a_id, b_id).exists()


def visible_posts(*, viewer_id: int | None) -> QuerySet[Post]:
    """Posts the viewer may see, each with the count of its comments they may not
    (``hidden_comment_count``, which ``visible_comment_count`` takes off)."""
    posts = Post.objects.select_related("author")
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


# --- the home feed -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    entry: Entry
    post: Post
    shared_by: User | None = None
    shared_at: datetime | None = None

    @property
    def cursor(self) -> str:
        return feed_cursor(self.entry)


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    has_next: bool
    source: str  # "redis", "rebuilt" or "database": for tests and logs
    next_cursor: str | None = None
    previous_cursor: str | None = None  # a ``feed:back`` cursor: the page before


def followed_celebrity_ids(*, viewer_id: int) -> list[int]:
    """Accounts the viewer follows that are too big to fan out (merged at read time)."""
    muted = Mute.objects.filter(muter_id=viewer_id, muted_id=OuterRef("followee_id"))
    return list(
        Follow.objects.filter(
            follower_id=viewer_id,
            followee__social_profile__follower_count__gte=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
        )
        .filter(~Exists(muted))
        .values_list("followee_id", flat=True)
    )


def feed_rebuild_entries(*, viewer_id: int) -> list[Entry]:
    return feed.entries_from_db(
        viewer_id,
        limit=settings.SOCIAL_FEED_MAX_ITEMS,
        exclude_sources_over=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
    )


def feed_entries(*, viewer_id: int, first: int, before: Entry | None) -> tuple[list[Entry], str]:
    """``first`` (or more) entries of the viewer's home feed older than ``before``.

    Redis first; a cold feed is rebuilt from PostgreSQL and served from that result;
    with Redis down, PostgreSQL answers alone. Posts of followed accounts above the
    fan-out threshold are merged in (they are never pushed)."""
    want = first + 10  # slack for posts deleted since they were pushed
    try:
        got = feed.read(viewer_id, before=before, count=want)
    except feed.Unavailable:
        return feed.entries_from_db(viewer_id, limit=want, before=before), "database"
    if got is None:
        rebuilt = feed_rebuild_entries(viewer_id=viewer_id)
        feed.store(viewer_id, rebuilt)
        entries = [e for e in rebuilt if before is None or e < before][:want]
        source = "rebuilt"
        if len(entries) < want and len(rebuilt) >= settings.SOCIAL_FEED_MAX_ITEMS:
            entries = feed.entries_from_db(
                viewer_id,
                limit=want,
                before=before,
                exclude_sources_over=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
            )
    else:
        entries, size = got
        source = "redis"
        if len(entries) < want and size >= settings.SOCIAL_FEED_MAX_ITEMS:
            # Past the cached window: older entries come from the database.
            tail_from = entries[-1] if entries else before
            entries = entries + feed.entries_from_db(
                viewer_id,
                limit=want - len(entries),
                before=tail_from,
                exclude_sources_over=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
            )
    celebrities = followed_celebrity_ids(viewer_id=viewer_id)
    if celebrities:
        merged = {entry.post_id: entry for entry in entries}
        for entry in feed.entries_from_authors(celebrities, limit=want, before=before):
            if entry.post_id not in merged or merged[entry.post_id] < entry:
                merged[entry.post_id] = entry
        entries = sorted(merged.values(), reverse=True)[:want]
    return entries, source


def feed_owner_id(*, viewer: User | AnonymousUser, owner_id: int | None = None) -> int:
    """Whose home feed ``viewer`` reads (``feed_page``'s ``viewer_id``): the one rule of
    the REST feed and GraphQL's ``feed``. A user reads their own feed (``owner_id``
    None or their id); only a moderator reads another's. An anonymous viewer is a
    ``not_authenticated`` problem, another's feed a ``permission_denied`` one."""
    if not viewer.is_authenticated:
        raise ProblemError(
            error_codes.NOT_AUTHENTICATED,
            "Sign in first: send `Authorization: Bearer <access token>`.",
        )
    if owner_id is None:
        return viewer.pk
    if owner_id != viewer.pk and not roles.is_moderator(viewer):
        raise ProblemError(
            error_codes.PERMISSION_DENIED,
            "You may only read your own feed.",
        )
    return owner_id


def feed_entries_newer(*, viewer_id: int, first: int, after: Entry) -> tuple[list[Entry], str]:
    """``first`` (or more) entries of the viewer's home feed newer than ``after``,
    closest first: the page before a position. From Redis when its window reaches back
    to ``after`` (celebrities merged in, as ``feed_entries`` does); from PostgreSQL
    otherwise (no store, a cold feed, or a position past the window)."""
    want = first + 10  # slack for posts deleted since they were pushed
    try:
        got = feed.read_newer(viewer_id, after=after, count=want)
    except feed.Unavailable:
        got = None
    if got is None or not got[1]:
        return feed.entries_from_db(viewer_id, limit=want, after=after), "database"
    entries = got[0]
    celebrities = followed_celebrity_ids(viewer_id=viewer_id)
    if celebrities:
        merged = {entry.post_id: entry for entry in entries}
        for entry in feed.entries_from_authors(celebrities, limit=want, after=after):
            if entry.post_id not in merged or merged[entry.post_id] < entry:
                merged[entry.post_id] = entry
        entries = sorted(merged.values())[:want]
    return entries, "redis"


def _at_newest_share(entry: Entry, posts: Mapping[int, Post]) -> Entry | None:
    """The entry at its post's newest share (``newest_share``, annotated), if later; None
    when the post is not shown (gone, hidden or muted)."""
    post = posts.get(entry.post_id)
    if post is None:
        return None
    shared: datetime | None = getattr(post, "newest_share", None)
    if shared is not None and feed.to_ms(shared) > entry.score:
        return Entry(feed.to_ms(shared), entry.post_id)
    return entry


def feed_page(
    *, viewer_id: int, first: int, after: str | None, before: str | None = None
) -> FeedPage:
    """A page of the viewer's home feed, newest first: after the ``next`` cursor
    ``after`` (GraphQL's and REST's), or before the ``previous`` cursor ``before``
    (REST's ``feed:back``). A malformed cursor is a ValueError."""
    back = before is not None
    if back:
        position = feed_cursor_decode(before, kind=BACK_FEED)
        assert position is not None
        entries, source = feed_entries_newer(viewer_id=viewer_id, first=first, after=position)
    else:
        position = feed_cursor_decode(after)
        entries, source = feed_entries(viewer_id=viewer_id, first=first, before=position)
    # With each post, its newest share by the accounts the feed follows: a post sits at
    # that share's time, on one page only, however its entry was read (the database and
    # the merged large accounts also read its creation, past the page that showed it).
    sources = Follow.objects.filter(follower_id=viewer_id).values("followee_id")
    newest_share = (
        Share.objects.filter(post_id=OuterRef("pk"))
        .filter(Q(user_id__in=sources) | Q(user_id=viewer_id))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    posts = {
        post.pk: post
        for post in visible_posts(viewer_id=viewer_id)
        .filter(pk__in=[entry.post_id for entry in entries])
        .exclude(author_id__in=Mute.objects.filter(muter_id=viewer_id).values("muted_id"))
        .annotate(newest_share=Subquery(newest_share))
    }
    timed: dict[int, Entry] = {}  # one entry a post, at its newest time
    for entry in entries:
        at = _at_newest_share(entry, posts)
        if at is not None and (at.post_id not in timed or timed[at.post_id] < at):
            timed[at.post_id] = at
    kept = sorted(
        (e for e in timed.values() if position is None or (e > position if back else e < position)),
        reverse=not back,
    )
    page, more = kept[:first], len(kept) > first
    if back:
        page.reverse()
    has_next, has_previous = (True, more) if back else (more, position is not None)
    # Entries newer than their post came from a share: who shared it, and when.
    shared = [e.post_id for e in page if e.score > feed.to_ms(posts[e.post_id].created_at)]
    sharers: dict[int, Share] = {}
    if shared:
        sources = Follow.objects.filter(follower_id=viewer_id).values("followee_id")
        for share in (
            Share.objects.filter(post_id__in=shared)
            .filter(Q(user_id__in=sources) | Q(user_id=viewer_id))
            .select_related("user")
            .order_by("-created_at", "-id")
        ):
            sharers.setdefault(share.post_id, share)
    items = []
    for entry in page:
        sharer = sharers.get(entry.post_id)
        items.append(
            FeedItem(
                entry=entry,
                post=posts[entry.post_id],
                shared_by=sharer.user if sharer else None,
                shared_at=sharer.created_at if sharer else None,
            )
        )
    # On an empty page (its rows gone since), the links start from the cursor itself.
    last, first_entry = (page[-1], page[0]) if page else (position, position)
    return FeedPage(
        items=items,
        has_next=has_next,
        source=source,
        next_cursor=feed_cursor(last) if has_next and last else None,
        previous_cursor=(
            feed_cursor(first_entry, kind=BACK_FEED) if has_previous and first_entry else None
        ),
    )
