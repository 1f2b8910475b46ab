"""Home feeds: capped Redis sorted sets in front of PostgreSQL.

A feed is the sorted set ``<prefix>:social:feed:<user id>``: members are post ids,
scores the time in milliseconds at which the post entered the feed (its creation,
or its newest share by someone the owner follows), so a post shared by several
people is one member, at its newest share. A sentinel member ``0`` (score 0) marks a
feed as built: a missing sentinel means cold (never built, expired after
``SOCIAL_FEED_TTL_DAYS`` unread, or evicted) and the next read rebuilds it from the
database. Fan-out writes only into built feeds, so inactive users cost nothing
(Mastodon's "active accounts only", without a last-seen table).

Every Redis call here fails soft: an error is logged and reported as ``None`` (or
ignored for writes), and readers then use the database (``entries_from_db``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from core.cache.breaker import redis_client

logger = logging.getLogger(__name__)

SENTINEL = "0"
REDIS_ERRORS = (redis.RedisError, OSError)


@dataclass(frozen=True, order=True)
class Entry:
    """One feed position: ordered by (score, post id), newest first when reversed."""

    score: int  # milliseconds since the epoch
    post_id: int


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- Redis ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # core.cache.breaker: after a failure the feed store is skipped for a cool-down, so a
    # hung Redis costs one socket timeout per cool-down, not one per feed read.
    return redis_client(
        url,
        socket_connect_timeout=settings.CACHES["default"]
        .get("OPTIONS", {})
        .get("SOCKET_CONNECT_TIMEOUT", 0.5),
        socket_timeout=settings.CACHES["default"].get("OPTIONS", {}).get("SOCKET_TIMEOUT", 0.5),
        decode_responses=True,
    )


def client() -> redis.Redis | None:
    """The feed store, or None when no Redis is configured (feeds come from SQL)."""
    url = settings.SOCIAL_FEED_REDIS_URL
    return _client(url) if url else None


def key(user_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "nexus")
    return f"{prefix}:social:feed:{user_id}"


def ttl_seconds() -> int:
    days: int = settings.SOCIAL_FEED_TTL_DAYS
    return days * 86400


class Unavailable(Exception):
    """No feed store: none configured, or Redis did not answer."""


def read(user_id: int, *, before: Entry | None, count: int) -> tuple[list[Entry], int] | None:
    """Up to ``count`` entries older than ``before`` (newest first) and the feed's size,
    refreshing its expiry; None when the feed is cold. Raises ``Unavailable``."""
    store = client()
    if store is None:
        raise Unavailable("no feed store configured")
    name = key(user_id)
    high = "+inf" if before is None else before.score
    try:
        pipe = store.pipeline(transaction=False)
        pipe.zscore(name, SENTINEL)
        pipe.expire(name, ttl_seconds())
        # Inclusive of the cursor's score: entries with the same millisecond but a
        # smaller post id come after it; the rest are dropped below.
        pipe.zrevrangebyscore(name, high, "(0", start=0, num=count + 50, withscores=True)
        pipe.zcard(name)
        sentinel, _, rows, size = pipe.execute()
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable reading %s: %s", name, exc)
        raise Unavailable(str(exc)) from exc
    if sentinel is None:
        return None
    entries = sorted((Entry(int(score), int(member)) for member, score in rows), reverse=True)
    if before is not None:
        entries = [entry for entry in entries if entry < before]
    return entries[:count], int(size) - 1


def read_newer(user_id: int, *, after: Entry, count: int) -> tuple[list[Entry], bool] | None:
    """Up to ``count`` entries newer than ``after``, closest first (the page before a
    position), and whether the cached window reaches back to ``after`` (so none newer
    is missing: the feed is not full, or ``after`` is inside it); None when the feed is
    cold. Raises ``Unavailable``."""
    store = client()
    if store is None:
        raise Unavailable("no feed store configured")
    name = key(user_id)
    try:
        pipe = store.pipeline(transaction=False)
        pipe.zscore(name, SENTINEL)
        pipe.expire(name, ttl_seconds())
        # Inclusive of the cursor's score, as ``read``; the exact cut is below.
        pipe.zrangebyscore(name, after.score, "+inf", start=0, num=count + 50, withscores=True)
        pipe.zrange(name, 1, 1, withscores=True)  # the oldest entry (0 is the sentinel)
        pipe.zcard(name)
        sentinel, _, rows, oldest, size = pipe.execute()
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable reading %s: %s", name, exc)
        raise Unavailable(str(exc)) from exc
    if sentinel is None:
        return None
    entries = sorted(e for e in (Entry(int(s), int(m)) for m, s in rows) if e > after)
    full = int(size) - 1 >= settings.SOCIAL_FEED_MAX_ITEMS
    reaches = not full or (bool(oldest) and Entry(int(oldest[0][1]), int(oldest[0][0])) <= after)
    return entries[:count], reaches


def store(user_id: int, entries: Sequence[Entry]) -> None:
    """Replace the feed with ``entries`` (a rebuild), marked built and capped."""
    store_many({user_id: entries})


def store_many(feeds: Mapping[int, Sequence[Entry]], *, batch: int = 1000) -> None:
    """``store`` for each feed of ``feeds`` (user id: entries), ``batch`` feeds a round
    trip, each replaced atomically."""
    client_ = client()
    if client_ is None:
        return
    rows = list(feeds.items())
    for start in range(0, len(rows), batch):
        names = []
        try:
            pipe = client_.pipeline(transaction=True)
            for user_id, entries in rows[start : start + batch]:
                names.append(name := key(user_id))
                pipe.delete(name)
                mapping: dict[str, float] = {SENTINEL: 0}
                mapping.update({str(entry.post_id): entry.score for entry in entries})
                pipe.zadd(name, mapping)
                if len(entries) > settings.SOCIAL_FEED_MAX_ITEMS:
                    pipe.zremrangebyrank(name, 1, -(settings.SOCIAL_FEED_MAX_ITEMS + 1))
                pipe.expire(name, ttl_seconds())
            pipe.execute()
        except REDIS_ERRORS as exc:
            shown = names[0] if len(names) == 1 else f"{len(names)} feeds"
            logger.warning("feed store unavailable rebuilding %s: %s", shown, exc)
            return


def push(user_ids: Iterable[int], post_id: int, score: int) -> int:
    """Add a post to the built feeds among ``user_ids`` (cold ones are skipped: they
    are rebuilt when read). Keeps the newest score of a post already there (``GT``)
    and trims to ``SOCIAL_FEED_MAX_ITEMS``. Returns how many feeds were written."""
    client_ = client()
    ids = list(user_ids)
    if client_ is None or not ids:
        return 0
    try:
        pipe = client_.pipeline(transaction=False)
        for user_id in ids:
            pipe.zscore(key(user_id), SENTINEL)
        built = [
            user_id for user_id, flag in zip(ids, pipe.execute(), strict=True) if flag is not None
        ]
        pipe = client_.pipeline(transaction=False)
        for user_id in built:
            name = key(user_id)
            pipe.zadd(name, {str(post_id): score}, gt=True)
            pipe.zremrangebyrank(name, 1, -(settings.SOCIAL_FEED_MAX_ITEMS + 1))
        pipe.execute()
    except REDIS_ERRORS as exc:
        # The entries are missing until these feeds are rebuilt; drop them so they are.
        logger.warning("feed store unavailable during fan-out of post %s: %s", post_id, exc)
        if not invalidate(ids):
            # Neither written nor dropped: a Redis that comes back with its data (a hang,
            # a partition) would keep these feeds without the post for good. Raise, so
            # the fan-out task retries until one of the two succeeds.
            raise Unavailable(f"fan-out of post {post_id} not written: {exc}") from exc
        return 0
    return len(built)


def remove(user_ids: Iterable[int], post_ids: Iterable[int]) -> None:
    client_ = client()
    ids, members = list(user_ids), [str(post_id) for post_id in post_ids]
    if client_ is None or not ids or not members:
        return
    try:
        pipe = client_.pipeline(transaction=False)
        for user_id in ids:
            pipe.zrem(key(user_id), *members)
        pipe.execute()
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable removing posts %s: %s", members, exc)


def invalidate(user_ids: Iterable[int]) -> bool:
    """Drop feeds so their next read rebuilds them from the database. False if Redis
    did not answer (the feeds are unchanged)."""
    client_ = client()
    names = [key(user_id) for user_id in user_ids]
    if client_ is None or not names:
        return True
    try:
        client_.delete(*names)
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable invalidating %s feeds: %s", len(names), exc)
        return False
    return True


def trim_all(batch: int = 1000) -> int:
    """Cap every built feed (a safety net for writes that skipped their trim)."""
    client_ = client()
    if client_ is None:
        return 0
    pattern = key(0)[:-1] + "*"
    trimmed = 0
    try:
        pipe = client_.pipeline(transaction=False)
        for name in client_.scan_iter(match=pattern, count=batch):
            pipe.zremrangebyrank(name, 1, -(settings.SOCIAL_FEED_MAX_ITEMS + 1))
            trimmed += 1
            if trimmed % batch == 0:
                pipe.execute()
        pipe.execute()
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable while trimming: %s", exc)
    return trimmed


# --- PostgreSQL: fan-out on read ------------------------------------------------------

# The "top N per followed author" shape: for each source (everyone the viewer follows,
# and the viewer), its newest N posts and N shares by index (social_post_author_time,
# social_share_user_time), then the newest N overall. Exact for the first N entries:
# any of them is among its author's (or sharer's) N newest.
FEED_SQL = """
WITH sources AS (
    SELECT f.followee_id AS uid FROM social_follow f
    WHERE f.follower_id = %(viewer)s
      AND NOT EXISTS (SELECT 1 FROM social_mute m
                      WHERE m.muter_id = %(viewer)s AND m.muted_id = f.followee_id)
      {exclude_sources}
    UNION ALL SELECT %(viewer)s
), entries AS (
    SELECT p.id AS post_id, p.created_at AS at
    FROM sources s CROSS JOIN LATERAL (
        SELECT id, created_at FROM social_post
        WHERE author_id = s.uid {post_before}
        ORDER BY created_at {order}, id {order} LIMIT %(limit)s
    ) p
    UNION ALL
    SELECT sh.post_id, sh.created_at
    FROM sources s CROSS JOIN LATERAL (
        SELECT post_id, created_at FROM social_share
        WHERE user_id = s.uid {share_before}
        ORDER BY created_at {order}, id {order} LIMIT %(limit)s
    ) sh
)
SELECT e.post_id, max(e.at) AS at
FROM entries e JOIN social_post p ON p.id = e.post_id
WHERE NOT EXISTS (SELECT 1 FROM social_mute m
                  WHERE m.muter_id = %(viewer)s AND m.muted_id = p.author_id)
  AND NOT EXISTS (SELECT 1 FROM social_block b
                  WHERE (b.blocker_id = p.author_id AND b.blocked_id = %(viewer)s)
                     OR (b.blocker_id = %(viewer)s AND b.blocked_id = p.author_id))
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
    sql = FEED_SQL.format(
        post_before=post_before,
        share_before=share_before,
        exclude_sources=exclude_sources,
        order="ASC" if after is not None else "DESC",
    )
    if before is not None or after is not None:
        params["limit"] = limit + 50
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    entries = [Entry(to_ms(at), post_id) for post_id, at in rows]
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
