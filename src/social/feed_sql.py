"""Home feeds computed from the tables (fan-out on read): what a cold feed is rebuilt
from, what answers when Redis is down or past the cached window, and the much-followed
accounts merged in as a feed is read (``social.home_feed``). Raw SQL on PostgreSQL; the
same with the ORM on SQLite (the embedded ``make run`` default)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from social.feed import Entry, to_ms

# --- PostgreSQL: fan-out on read ------------------------------------------------------

# The newest page(s) of a feed with many sources (a rebuild, the first page from the
# database) read a bounded window: each source's newest few times (about 2N over all
# sources) give a floor, the N-th newest of them, and the top-N-per-source shape below
# then reads only rows at or after it. At least N posts have a row at or after the floor
# (it is the N-th newest post among those times), so the newest N entries are there too,
# unless some of those posts are hidden (muted, blocked): then fewer than N come back and
# the query runs again without the floor (``entries_from_db``).
FLOOR_SQL = """, per_source AS (
    SELECT ceil(2.0 * %(limit)s / count(*))::int AS n FROM sources
), newest AS (
    SELECT p.id AS post_id, p.at FROM sources s CROSS JOIN LATERAL (
        SELECT id, created_at AS at FROM social_post WHERE author_id = s.uid
        ORDER BY created_at DESC, id DESC LIMIT (SELECT n FROM per_source)
    ) p
    UNION ALL
    SELECT sh.post_id, sh.at FROM sources s CROSS JOIN LATERAL (
        SELECT post_id, created_at AS at FROM social_share WHERE user_id = s.uid
        ORDER BY created_at DESC, id DESC LIMIT (SELECT n FROM per_source)
    ) sh
), floor AS (
    SELECT max(at) AS at FROM newest GROUP BY post_id
    ORDER BY 1 DESC OFFSET %(limit)s - 1 LIMIT 1
)"""
# No floor (fewer times than N): every row, as without one.
FLOOR_FILTER = "AND created_at >= coalesce((SELECT at FROM floor), '-infinity')"
FLOORED = ", EXISTS (SELECT 1 FROM floor) AS floored"

# The "top N per followed author" shape: for each source (everyone the viewer follows,
# and the viewer), its newest N posts and N shares by index (social_post_author_time,
# social_share_user_time), then the newest N overall. Exact for the first N entries:
# any of them is among its author's (or sharer's) N newest. Each entry carries its
# post's author (a post's is its source; a share's is read by primary key for each of
# the sharer's N shares): joined once outside, on the planner's estimate of N rows a
# source, the posts table would be hashed whole, a sequential scan of every post
# (tests/social/test_feed_plans.py).
FEED_SQL = """
WITH sources AS (
    SELECT f.followee_id AS uid FROM social_follow f
    WHERE f.follower_id = %(viewer)s
      AND NOT EXISTS (SELECT 1 FROM social_mute m
                      WHERE m.muter_id = %(viewer)s AND m.muted_id = f.followee_id)
      {exclude_sources}
    UNION ALL SELECT %(viewer)s
){floor}, entries AS (
    SELECT p.id AS post_id, p.created_at AS at, s.uid AS author_id
    FROM sources s CROSS JOIN LATERAL (
        SELECT id, created_at FROM social_post
        WHERE author_id = s.uid {post_before}
        ORDER BY created_at {order}, id {order} LIMIT %(limit)s
    ) p
    UNION ALL
    SELECT sh.post_id, sh.created_at, sh.author_id
    FROM sources s CROSS JOIN LATERAL (
        SELECT n.post_id, n.created_at, p.author_id
        FROM (SELECT post_id, created_at FROM social_share
              WHERE user_id = s.uid {share_before}
              ORDER BY created_at {order}, id {order} LIMIT %(limit)s) n
        JOIN social_post p ON p.id = n.post_id
    ) sh
)
SELECT e.post_id, max(e.at) AS at{floored}
FROM entries e
WHERE NOT EXISTS (SELECT 1 FROM social_mute m
                  WHERE m.muter_id = %(viewer)s AND m.muted_id = e.author_id)
  AND NOT EXISTS (SELECT 1 FROM social_block b
                  WHERE (b.blocker_id = e.author_id AND b.blocked_id = %(viewer)s)
                     OR (b.blocker_id = %(viewer)s AND b.blocked_id = e.author_id))
GROUP BY e.post_id
ORDER BY at {order}, e.post_id {order}
LIMIT %(limit)s
"""


def entries_from_db(
    viewer_id: int,
    *,
    limit: int,
    before: Entry | None = None,
    exclude_sources_over: int | None = None,
    after: Entry | None = None,
) -> list[Entry]:
    """The viewer's feed computed from the tables (newest first), ``limit`` entries
    older than ``before``; or, with ``after``, the ``limit`` entries newer than it,
    closest first (the page before a position). ``exclude_sources_over`` leaves out
    authors with that many followers (they are merged in at read time, see
    ``entries_from_authors``)."""
    params: dict[str, Any] = {"viewer": viewer_id, "limit": limit}
    post_before = share_before = exclude_sources = ""
    if before is not None:
        # A share entry's time bound is approximate per millisecond; the exact
        # (score, id) cut happens in Python below, so fetch inclusively.
        params["before"] = datetime.fromtimestamp((before.score + 1) / 1000, tz=_utc())
        post_before = "AND created_at < %(before)s"
        share_before = "AND created_at < %(before)s"
    if after is not None:
        params["after"] = datetime.fromtimestamp(after.score / 1000, tz=_utc())
        post_before = share_before = "AND created_at >= %(after)s"
    if exclude_sources_over is not None:
        params["over"] = exclude_sources_over
        exclude_sources = (
            "AND NOT EXISTS (SELECT 1 FROM social_profile pr "
            "WHERE pr.user_id = f.followee_id AND pr.follower_count >= %(over)s)"
        )
    if connection.vendor != "postgresql":
        return _entries_orm(
            viewer_id, limit=limit, before=before, after=after, over=exclude_sources_over
        )

    def run(floor: bool) -> list[tuple[Any, ...]]:
        sql = FEED_SQL.format(
            floor=FLOOR_SQL if floor else "",
            floored=FLOORED if floor else "",
            post_before=FLOOR_FILTER if floor else post_before,
            share_before=FLOOR_FILTER if floor else share_before,
            exclude_sources=exclude_sources,
            order="ASC" if after is not None else "DESC",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    if before is not None or after is not None:
        params["limit"] = limit + 50
        rows = run(floor=False)
    else:  # the newest entries: a bounded window first (FLOOR_SQL)
        rows = run(floor=True)
        if len(rows) < limit and (not rows or rows[0][2]):
            rows = run(floor=False)  # the floor may have cut entries off: read them all
    entries = [Entry(to_ms(row[1]), row[0]) for row in rows]
    return _cut(entries, before=before, after=after)[:limit]


def _cut(entries: Iterable[Entry], *, before: Entry | None, after: Entry | None) -> list[Entry]:
    """The exact (score, id) cut of entries fetched by an inclusive time bound: older
    than ``before`` newest first, or newer than ``after`` closest first."""
    if after is not None:
        return sorted(entry for entry in entries if entry > after)
    if before is not None:
        return sorted((entry for entry in entries if entry < before), reverse=True)
    return list(entries)


AUTHORS_SQL = """
SELECT p.id, p.created_at
FROM unnest(%(authors)s::bigint[]) AS a(uid) CROSS JOIN LATERAL (
    SELECT id, created_at FROM social_post
    WHERE author_id = a.uid {post_before}
    ORDER BY created_at {order}, id {order} LIMIT %(limit)s
) p
UNION ALL
SELECT sh.post_id, sh.created_at
FROM unnest(%(authors)s::bigint[]) AS a(uid) CROSS JOIN LATERAL (
    SELECT post_id, created_at FROM social_share
    WHERE user_id = a.uid {post_before}
    ORDER BY created_at {order}, id {order} LIMIT %(limit)s
) sh
"""


def entries_from_authors(
    author_ids: Sequence[int],
    *,
    limit: int,
    before: Entry | None = None,
    after: Entry | None = None,
) -> list[Entry]:
    """The newest ``limit`` posts of each of ``author_ids`` (the hybrid merge), older
    than ``before``; with ``after``, the ``limit`` oldest newer than it."""
    if not author_ids:
        return []
    if connection.vendor != "postgresql":
        return _authors_orm(author_ids, limit=limit, before=before, after=after)
    params: dict[str, Any] = {"authors": list(author_ids), "limit": limit}
    post_before = ""
    if before is not None:
        params["before"] = datetime.fromtimestamp((before.score + 1) / 1000, tz=_utc())
        post_before = "AND created_at < %(before)s"
    if after is not None:
        params["after"] = datetime.fromtimestamp(after.score / 1000, tz=_utc())
        post_before = "AND created_at >= %(after)s"
    order = "ASC" if after is not None else "DESC"
    with connection.cursor() as cursor:
        cursor.execute(AUTHORS_SQL.format(post_before=post_before, order=order), params)
        rows = cursor.fetchall()
    entries = [Entry(to_ms(at), post_id) for post_id, at in rows]
    bounded = before is not None or after is not None
    return _cut(entries, before=before, after=after) if bounded else entries


# --- the same on SQLite (the embedded `make run` default), with the ORM ----------------


def _time_filter(before: Entry | None, after: Entry | None = None) -> dict[str, Any]:
    if after is not None:
        return {"created_at__gte": datetime.fromtimestamp(after.score / 1000, tz=_utc())}
    if before is None:
        return {}
    return {"created_at__lt": datetime.fromtimestamp((before.score + 1) / 1000, tz=_utc())}


def _newest(after: Entry | None) -> tuple[str, str]:
    """The ORM ordering of the rows the feed reads: newest first, or with ``after``
    oldest first (closest to it)."""
    return ("created_at", "id") if after is not None else ("-created_at", "-id")


def _entries_orm(
    viewer_id: int, *, limit: int, before: Entry | None, after: Entry | None, over: int | None
) -> list[Entry]:
    from social.models import Block, Follow, Mute, Post, Share

    muted = set(Mute.objects.filter(muter_id=viewer_id).values_list("muted_id", flat=True))
    follows = Follow.objects.filter(follower_id=viewer_id).exclude(followee_id__in=muted)
    if over is not None:
        follows = follows.exclude(followee__social_profile__follower_count__gte=over)
    sources = [*follows.values_list("followee_id", flat=True), viewer_id]
    blocked = set(Block.objects.filter(blocker_id=viewer_id).values_list("blocked_id", flat=True))
    blocked |= set(Block.objects.filter(blocked_id=viewer_id).values_list("blocker_id", flat=True))
    hidden = muted | blocked
    window = limit + 50
    times: dict[int, datetime] = {}
    posts = (
        Post.objects.filter(author_id__in=sources, **_time_filter(before, after))
        .order_by(*_newest(after))
        .values_list("id", "created_at")[:window]
    )
    shares = (
        Share.objects.filter(user_id__in=sources, **_time_filter(before, after))
        .exclude(post__author_id__in=hidden)
        .order_by(*_newest(after))
        .values_list("post_id", "created_at")[:window]
    )
    for post_id, at in [*posts, *shares]:
        if post_id not in times or at > times[post_id]:
            times[post_id] = at
    entries = sorted((Entry(to_ms(at), post_id) for post_id, at in times.items()), reverse=True)
    return _cut(entries, before=before, after=after)[:limit]


def _authors_orm(
    author_ids: Sequence[int], *, limit: int, before: Entry | None, after: Entry | None
) -> list[Entry]:
    from social.models import Post, Share

    entries: list[Entry] = []
    for author_id in author_ids:
        rows = (
            Post.objects.filter(author_id=author_id, **_time_filter(before, after))
            .order_by(*_newest(after))
            .values_list("id", "created_at")[:limit]
        )
        entries.extend(Entry(to_ms(at), post_id) for post_id, at in rows)
        shares = (
            Share.objects.filter(user_id=author_id, **_time_filter(before, after))
            .order_by(*_newest(after))
            .values_list("post_id", "created_at")[:limit]
        )
        entries.extend(Entry(to_ms(at), post_id) for post_id, at in shares)
    bounded = before is not None or after is not None
    return _cut(entries, before=before, after=after) if bounded else entries


def _utc() -> Any:
    from datetime import UTC

    return UTC
