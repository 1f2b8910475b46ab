"""The home feed as its reader sees it: pages of posts newest first, each with the
share that brought it (if any) and its origin. Reads only: the one write is the
rebuilt Redis feed (``social.feed``, a cache) of a cold feed.

Where an item comes from (``FeedItem.origin``) is the hybrid's two halves:
``FANNED_OUT``, pushed into the reader's feed when it was posted or shared (by the
reader, or an account with fewer than ``SOCIAL_FANOUT_MAX_FOLLOWERS`` followers), read
from the feed store or, when that is cold or absent, recomputed from the tables as the
fan-out writes it; or ``MERGED_AT_READ``, from a followed account at or above that
threshold, never pushed and merged in as the page is read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber

from core.http.catalogue import ProblemError
from core.identity import roles
from core.identity.models import User
from social import error_codes, feed, feed_sql
from social.feed import Entry
from social.models import Follow, Mute, Post, Share
from social.paging import backward, feed_cursor, feed_cursor_decode
from social.selectors import AUTHOR_COLUMNS, visible_posts

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

BACK_FEED = backward("feed")  # the kind of the feed's ``previous`` cursors
FANNED_OUT = "fanned_out"
MERGED_AT_READ = "merged_at_read"
ORIGINS = (  # the REST field's choices (openapi's FeedOriginEnum)
    (FANNED_OUT, "Pushed into the feed when posted or shared"),
    (MERGED_AT_READ, "Merged in at read time from a much-followed account"),
)


@dataclass(frozen=True)
class FeedItem:
    entry: Entry
    post: Post
    shared_by: User | None = None
    shared_at: datetime | None = None
    origin: str = FANNED_OUT  # FANNED_OUT or MERGED_AT_READ (the module's docstring)
    shared_by_count: int = 0  # how many the feed follows (or its owner) shared it

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


@dataclass(frozen=True)
class Sharer:
    """A post's newest share by the accounts a feed follows (or its owner), and how many
    of them shared it."""

    user: User  # the columns a post's author shows (``selectors.AUTHOR_COLUMNS``)
    created_at: datetime
    count: int


def newest_sharers(*, viewer_id: int, post_ids: Collection[int]) -> dict[int, Sharer]:
    """Each post's newest share by the accounts the viewer follows (or the viewer), and
    how many of them shared it: one row a post, however many shared it (the database
    counts them; Python sees the newest only). One query."""
    sources = Follow.objects.filter(follower_id=viewer_id).values("followee_id")
    newest = [F("created_at").desc(), F("id").desc()]
    # In the model's field order, as ``from_db`` takes a row with columns left out.
    columns = [f.attname for f in User._meta.concrete_fields if f.attname in AUTHOR_COLUMNS]
    rows = (
        Share.objects.filter(post_id__in=list(post_ids))
        .filter(Q(user_id__in=sources) | Q(user_id=viewer_id))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("post_id")], order_by=newest),
            sharers=Window(Count("id"), partition_by=[F("post_id")]),
        )
        .filter(rank=1)
        .values_list("post_id", "created_at", "sharers", *(f"user__{c}" for c in columns))
    )
    found = {}
    for post_id, created_at, count, *user in rows:
        # As a deferred row: any other column is loaded if read, never made up.
        sharer = User.from_db(Share.objects.db, columns, user)
        found[post_id] = Sharer(user=sharer, created_at=created_at, count=count)
    return found


def followed_celebrity_ids(*, viewer_id: int) -> list[int]:
    """Accounts the viewer follows that are too big to fan out (merged at read time),
    cached beside the viewer's feed (``feed.stars_read``): dropped with it by the
    viewer's follow, unfollow, mute and block, and for every follower of an account
    that crosses the fan-out threshold (``services.relationships``)."""
    cached = feed.stars_read(viewer_id)
    if cached is not None:
        return cached
    muted = Mute.objects.filter(muter_id=viewer_id, muted_id=OuterRef("followee_id"))
    stars = list(
        Follow.objects.filter(
            follower_id=viewer_id,
            followee__social_profile__follower_count__gte=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
        )
        .filter(~Exists(muted))
        .order_by("followee_id")
        .values_list("followee_id", flat=True)
    )
    feed.stars_store(viewer_id, stars)
    return stars


def feed_rebuild_entries(*, viewer_id: int) -> list[Entry]:
    return feed_sql.entries_from_db(
        viewer_id,
        limit=settings.SOCIAL_FEED_MAX_ITEMS,
        exclude_sources_over=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
    )


def feed_entries(
    *, viewer_id: int, first: int, before: Entry | None, celebrities: Collection[int]
) -> tuple[list[Entry], str]:
    """``first`` (or more) entries of the viewer's home feed older than ``before``.

    Redis first; a cold feed is rebuilt from PostgreSQL and served from that result;
    with Redis down, PostgreSQL answers alone. Posts of the followed accounts above the
    fan-out threshold (``celebrities``, from ``followed_celebrity_ids``) are merged in
    (they are never pushed)."""
    want = first + 10  # slack for posts deleted since they were pushed
    try:
        got = feed.read(viewer_id, before=before, count=want)
    except feed.Unavailable:
        return feed_sql.entries_from_db(viewer_id, limit=want, before=before), "database"
    if got is None:
        rebuilt = feed_rebuild_entries(viewer_id=viewer_id)
        feed.store(viewer_id, rebuilt)
        entries = [e for e in rebuilt if before is None or e < before][:want]
        source = "rebuilt"
        if len(entries) < want and len(rebuilt) >= settings.SOCIAL_FEED_MAX_ITEMS:
            entries = feed_sql.entries_from_db(
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
            entries = entries + feed_sql.entries_from_db(
                viewer_id,
                limit=want - len(entries),
                before=tail_from,
                exclude_sources_over=settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
            )
    if celebrities:
        merged = {entry.post_id: entry for entry in entries}
        for entry in feed_sql.entries_from_authors(list(celebrities), limit=want, before=before):
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


def feed_entries_newer(
    *, viewer_id: int, first: int, after: Entry, celebrities: Collection[int]
) -> tuple[list[Entry], str]:
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
        return feed_sql.entries_from_db(viewer_id, limit=want, after=after), "database"
    entries = got[0]
    if celebrities:
        merged = {entry.post_id: entry for entry in entries}
        for entry in feed_sql.entries_from_authors(list(celebrities), limit=want, after=after):
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
    position = feed_cursor_decode(before, kind=BACK_FEED) if back else feed_cursor_decode(after)
    celebrities = set(followed_celebrity_ids(viewer_id=viewer_id))
    if back:
        assert position is not None
        entries, source = feed_entries_newer(
            viewer_id=viewer_id, first=first, after=position, celebrities=celebrities
        )
    else:
        entries, source = feed_entries(
            viewer_id=viewer_id, first=first, before=position, celebrities=celebrities
        )
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
    sharers = newest_sharers(viewer_id=viewer_id, post_ids=shared) if shared else {}
    items = []
    for entry in page:
        sharer, post = sharers.get(entry.post_id), posts[entry.post_id]
        # Who brought it, the sharer or the author, decides how it came: fan-out pushes
        # everyone's posts and shares but the celebrities' (merged in as read).
        brought_by = sharer.user.pk if sharer else post.author_id
        items.append(
            FeedItem(
                entry=entry,
                post=post,
                shared_by=sharer.user if sharer else None,
                shared_at=sharer.created_at if sharer else None,
                shared_by_count=sharer.count if sharer else 0,
                origin=MERGED_AT_READ if brought_by in celebrities else FANNED_OUT,
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
