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
ignored for writes), and readers then use the database (``social.feed_sql``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import redis
from django.conf import settings

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


def stars_key(user_id: int) -> str:
    """Where the accounts the user follows that are too big to fan out are cached
    (``home_feed.followed_celebrity_ids``): outside ``key``'s pattern, so ``trim_all``
    never meets it."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "nexus")
    return f"{prefix}:social:stars:{user_id}"


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


def invalidate(user_ids: Iterable[int], *, batch: int = 1000) -> bool:
    """Drop feeds, and their cached followed celebrities (``stars_key``), so their next
    read rebuilds them from the database; ``batch`` feeds a round trip. False if Redis
    did not answer (the feeds from there on are unchanged)."""
    client_ = client()
    ids = list(user_ids)
    if client_ is None or not ids:
        return True
    for start in range(0, len(ids), batch):
        names = [name for uid in ids[start : start + batch] for name in (key(uid), stars_key(uid))]
        try:
            client_.delete(*names)
        except REDIS_ERRORS as exc:
            logger.warning("feed store unavailable invalidating %s feeds: %s", len(ids), exc)
            return False
    return True


def stars_read(user_id: int) -> list[int] | None:
    """The cached followed celebrities of ``user_id`` (``stars_key``), or None when not
    cached or the store is unavailable (the caller asks the database)."""
    client_ = client()
    if client_ is None:
        return None
    try:
        raw = client_.get(stars_key(user_id))
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable reading %s: %s", stars_key(user_id), exc)
        return None
    if raw is None:
        return None
    return [int(part) for part in str(raw).split(",") if part]


# How long followed celebrities stay cached at most: ``invalidate`` drops them when they
# change, and this bounds a read that raced a change (loaded before the change's commit,
# stored after its invalidation) to minutes of staleness.
STARS_TTL_SECONDS = 600


def stars_store(user_id: int, star_ids: Sequence[int]) -> None:
    """Cache the followed celebrities of ``user_id`` (``STARS_TTL_SECONDS``);
    ``invalidate`` drops them (a follow, unfollow, mute or block by the user, or an
    account they follow crossing the fan-out threshold)."""
    client_ = client()
    if client_ is None:
        return
    try:
        client_.set(stars_key(user_id), ",".join(map(str, star_ids)), ex=STARS_TTL_SECONDS)
    except REDIS_ERRORS as exc:
        logger.warning("feed store unavailable writing %s: %s", stars_key(user_id), exc)


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
