"""Social's live proof (``core.site.proofs``): the fan-out, and the much-followed account
merged at read. Two sandbox accounts post through ``post_create`` (what REST and GraphQL
call): its commit enqueues the fan-out task (``enqueue_on_commit``), which the embedded
default and eager Celery run in-process right after the commit and a deployment's
worker runs from the broker. Meanwhile a few of their followers read their home feeds
through ``feed_page`` (what REST and GraphQL read), over and over, until both posts are
there: the time it took is each post's creation to the first read that showed it.

``SOCIAL_FANOUT_MAX_FOLLOWERS`` (10,000 by default) is where fan-out stops: an account
with that many followers reaches only its own feed, and its followers merge its posts
in when they read. So the star, followed by all 10,000 sandbox followers, is at or
above the threshold, and the author, followed by one fewer than the threshold (9,999 by
default; 29 under `make run`, whose demo shows both origins from 30), is the largest
account still fanned out. Every follower's feed is built before the posts (the
watchers' by reading it, the others' stored as their rebuild would make them: empty,
as they follow only accounts with no post yet), so the fan-out writes into each of the
author's followers' feeds, and none of them gets the star's post. Without a feed store
(``make run``: no Redis) every feed is read from the database and there is nothing to
fan out into: the posts are in the followers' feeds the moment they commit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.identity.models import User
from core.site.proofs import Outcome, ProofRun, proof
from social import feed, home_feed
from social.demo import counts_recompute
from social.models import Follow, Post, Profile
from social.services.posts import post_create

FOLLOWERS = 10_000
WATCHERS = 4  # followers reading their feeds while the posts go out
VISIBLE_WITHIN = 5.0  # seconds a watcher waits for both posts
POLL_EVERY = 0.01

# The follows in one statement each: 10,000 Follow objects through bulk_create cost
# seconds. The ids between two bounds that are this run's followers (by name).
FOLLOW_SQL = """
INSERT INTO {follows} ({follower_id}, {followee_id}, {created_at})
SELECT {id}, %s, %s FROM {users} WHERE {id} BETWEEN %s AND %s AND {username} LIKE %s
"""
# How many of the feeds KEYS hold the member ARGV[1]: one round trip for 10,000 feeds.
HOLDING_LUA = """
local n = 0
for _, name in ipairs(KEYS) do
  if redis.call('ZSCORE', name, ARGV[1]) then n = n + 1 end
end
return n
"""


@dataclass
class _Sandbox:
    followers: list[int]  # ascending ids; the first ``fanned`` also follow the author
    author: User
    star: User
    fanned: int
    threshold: int

    @property
    def watchers(self) -> list[int]:
        return self.followers[:WATCHERS]


@dataclass
class _Watch:
    """When a watcher first saw each post (``time.time()``), by author id."""

    seen: dict[int, float] = field(default_factory=dict)
    reads: int = 0
    source: str = ""


@dataclass
class _Race:
    posted: dict[int, Post] = field(default_factory=dict)
    call_ms: dict[int, int] = field(default_factory=dict)
    watches: list[_Watch] = field(default_factory=lambda: [_Watch() for _ in range(WATCHERS)])
    failures: list[BaseException] = field(default_factory=list)


def _follow(followee: User, ids: list[int], *, prefix: str) -> None:
    """The sandbox users named ``prefix``… among ``ids`` (ascending) follow ``followee``."""
    quote = connection.ops.quote_name
    names = {f.attname: quote(f.column) for f in Follow._meta.concrete_fields}
    names |= {f.attname: quote(f.column) for f in User._meta.concrete_fields}
    sql = FOLLOW_SQL.format(
        follows=quote(Follow._meta.db_table), users=quote(User._meta.db_table), **names
    )
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [followee.pk, at, ids[0], ids[-1], f"{prefix}%"])


def _sandbox(run: ProofRun, threshold: int) -> _Sandbox:
    """10,000 followers (bare: they hold nothing but their follows, removed first), the
    author and the star, the follows in bulk (the follow service would also queue 20,000
    notices) with the two accounts' follower counts set from them, and every follower's
    feed built."""
    users = run.users("follower", FOLLOWERS, bare=True)
    author, star = run.user("author"), run.user("star")
    box = _Sandbox(
        sorted(u.pk for u in users), author, star, min(FOLLOWERS, threshold - 1), threshold
    )
    run.cleanup(lambda: feed.invalidate([*box.followers, author.pk, star.pk]))
    run.cleanup(lambda: Follow.objects.filter(followee_id__in=[author.pk, star.pk]).delete())
    with transaction.atomic():
        _follow(author, box.followers[: box.fanned], prefix=run.name("follower-"))
        _follow(star, box.followers, prefix=run.name("follower-"))
    Profile.objects.bulk_create(
        [Profile(user_id=author.pk), Profile(user_id=star.pk)], ignore_conflicts=True
    )
    counts_recompute(user_ids=[author.pk, star.pk])
    for watcher in box.watchers:  # built by reading, as a follower's first visit builds it
        home_feed.feed_page(viewer_id=watcher, first=10, after=None)
    feed.store_many({pk: [] for pk in box.followers[WATCHERS:]})
    return box


def _race(run: ProofRun, box: _Sandbox) -> _Race:
    """The author and the star post at once while the watchers read their feeds."""
    race = _Race()
    accounts = (box.author.pk, box.star.pk)

    def post(poster: User) -> None:
        began = time.perf_counter()
        race.posted[poster.pk] = post_create(author=poster, content="Proof sandbox: fan-out")
        race.call_ms[poster.pk] = round((time.perf_counter() - began) * 1000)

    def watch(watcher: int, seen: _Watch) -> None:
        deadline = time.monotonic() + VISIBLE_WITHIN
        while len(seen.seen) < len(accounts) and time.monotonic() < deadline:
            page = home_feed.feed_page(viewer_id=watcher, first=10, after=None)
            now = time.time()
            seen.reads, seen.source = seen.reads + 1, page.source
            for item in page.items:
                if item.post.author_id in accounts:
                    seen.seen.setdefault(item.post.author_id, now)
            time.sleep(POLL_EVERY)

    def work(index: int) -> None:
        if index < 2:
            post((box.author, box.star)[index])
        else:
            watch(box.watchers[index - 2], race.watches[index - 2])

    results = run.race(2 + WATCHERS, work)
    race.failures = [result for result in results if isinstance(result, BaseException)]
    return race


def _holding(user_ids: list[int], post: Post) -> int:
    """How many of these users' feeds hold the post, read from the feed store; -1 when
    it did not answer (no count the proof expects)."""
    store = feed.client()
    assert store is not None  # asked only with a feed store
    names = [feed.key(user_id) for user_id in user_ids]
    try:
        return int(store.eval(HOLDING_LUA, len(names), *names, str(post.pk)))
    except feed.REDIS_ERRORS:
        return -1


def _counts(box: _Sandbox, race: _Race) -> dict[str, int]:
    """Read back: the follows and follower counts, who saw which post how fast, and (with
    a feed store) how many followers' feeds hold each post."""
    profiles = dict(
        Profile.objects.filter(user__in=[box.author, box.star]).values_list(
            "user_id", "follower_count"
        )
    )
    counts = {
        "followers": len(box.followers),
        "threshold": box.threshold,
        "author_followers": Follow.objects.filter(followee=box.author).count(),
        "star_followers": Follow.objects.filter(followee=box.star).count(),
        "author_follower_count": profiles.get(box.author.pk, 0),
        "star_follower_count": profiles.get(box.star.pk, 0),
        "watchers": WATCHERS,
    }
    for label, account, pool in (
        ("author", box.author, box.followers[: box.fanned]),
        ("star", box.star, box.followers),
    ):
        post = race.posted.get(account.pk)
        saw = [w.seen[account.pk] for w in race.watches if account.pk in w.seen]
        counts[f"watchers_saw_{label}_post"] = len(saw)
        if post is not None and saw:  # the slowest watcher
            counts[f"{label}_post_visible_ms"] = round(
                (max(saw) - post.created_at.timestamp()) * 1000
            )
        if post is not None and feed.client() is not None:
            counts[f"{label}_post_feeds_written"] = _holding(pool, post)
    return counts


def _held(box: _Sandbox, race: _Race, counts: dict[str, int], *, stored: bool) -> bool:
    follows = (
        counts["author_followers"] == counts["author_follower_count"] == box.fanned
        and counts["star_followers"] == counts["star_follower_count"] == len(box.followers)
        and box.fanned < box.threshold <= len(box.followers)
    )
    seen = counts["watchers_saw_author_post"] == counts["watchers_saw_star_post"] == WATCHERS
    written = not stored or (
        counts.get("author_post_feeds_written") == box.fanned
        and counts.get("star_post_feeds_written") == 0
    )
    return not race.failures and len(race.posted) == 2 and follows and seen and written


def _story(box: _Sandbox, race: _Race, counts: dict[str, int], *, stored: bool) -> str:
    """What happened, in a sentence."""
    seen = [
        f"the {label}'s post in {counts[f'{label}_post_visible_ms']} ms"
        for label in ("author", "star")
        if f"{label}_post_visible_ms" in counts
    ]
    saw = f"{WATCHERS} followers reading their feeds saw {', '.join(seen) or 'neither post'}"
    if stored:
        story = (
            f"the author's post was written into {counts.get('author_post_feeds_written')} "
            f"of its {counts['author_followers']:,} followers' feeds and the star's into "
            f"{counts.get('star_post_feeds_written')} of {counts['star_followers']:,}; "
            f"{saw} (the slowest reader)"
        )
    else:
        story = (
            "no feed store: every feed is read from the database, so nothing was written "
            f"for either post; {saw} (the slowest reader)"
        )
    if race.failures:
        story += "; failed: " + ", ".join(f"{type(f).__name__}: {f}" for f in race.failures)
    return story


@proof(
    "fan-out",
    title="Fan-out, and the star merged at read",
    description=f"A post by an account with {FOLLOWERS:,} followers, at or above the fan-out "
    "threshold, is written into no follower's feed, yet its followers see it, merged at "
    "read, timed; one by an account just below the threshold is in every follower's feed "
    "at once.",
    test="tests/social/test_feed.py::test_a_high_follower_author_is_merged_in_at_read_time",
)
def fan_out(run: ProofRun) -> Outcome:
    threshold: int = settings.SOCIAL_FANOUT_MAX_FOLLOWERS
    if not WATCHERS < threshold <= FOLLOWERS:
        return Outcome(
            held=None,
            caveat=f"SOCIAL_FANOUT_MAX_FOLLOWERS is {threshold}: this proof needs it between "
            f"{WATCHERS + 1} and {FOLLOWERS:,} to put one account below it and one at it.",
            expected="one account fanned out, one merged at read",
            happened="not run",
            counts={"threshold": threshold},
            guard="SOCIAL_FANOUT_MAX_FOLLOWERS",
        )
    began = time.perf_counter()
    box = _sandbox(run, threshold)
    set_up = time.perf_counter()
    race = _race(run, box)
    raced = time.perf_counter()
    stored = feed.client() is not None
    counts = _counts(box, race)
    if stored:
        guard = (
            "The fan-out task (social.tasks.feed_fan_out_task, enqueued on commit) pushes "
            "into the built Redis feeds of the author's followers; an account with "
            f"SOCIAL_FANOUT_MAX_FOLLOWERS ({threshold:,}) followers or more reaches only "
            "its own feed, and feed_entries merges its posts in at read "
            "(followed_celebrity_ids, entries_from_authors)."
        )
    else:
        guard = (
            "No feed store (the embedded default has no Redis): feed_entries reads each "
            "feed from the database (entries_from_db), leaving accounts with "
            f"SOCIAL_FANOUT_MAX_FOLLOWERS ({threshold:,}) followers or more to "
            "entries_from_authors, merged at read."
        )
    return Outcome(
        held=_held(box, race, counts, stored=stored),
        expected=f"the post of an account with {box.fanned:,} followers (below the "
        f"threshold) {'written into each of their feeds and ' if stored else ''}seen by "
        f"every reading follower; the post of one with {len(box.followers):,} (at or above the "
        "threshold) written into no follower's feed, yet seen by every reading follower",
        happened=_story(box, race, counts, stored=stored),
        counts=counts,
        guard=guard,
        details={
            "threads": 2 + WATCHERS,
            "feed_store": "redis" if stored else "none (feeds are read from the database)",
            "eager_tasks": bool(settings.CELERY_TASK_ALWAYS_EAGER),
            # With eager tasks, a post's call returns after its fan-out ran.
            "post_call_ms": {
                "author": race.call_ms.get(box.author.pk),
                "star": race.call_ms.get(box.star.pk),
            },
            "feed_reads": sum(w.reads for w in race.watches),
            "feed_source": sorted({w.source for w in race.watches}),
            "phases_ms": {  # the sandbox's removal follows, in the run's wall time
                "set_up": round((set_up - began) * 1000),
                "race": round((raced - set_up) * 1000),
                "read_back": round((time.perf_counter() - raced) * 1000),
            },
            "also_proved_by": "tests/social/test_feed.py::"
            "test_a_new_post_is_fanned_out_into_a_built_feed",
        },
    )
