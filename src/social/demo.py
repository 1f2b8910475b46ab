"""Social demo data and feeds at scale. Deterministic (a seeded ``random.Random``).

- ``demo_seed`` (the ``seed_demo`` hook): three dozen people who follow each other,
  a few hundred posts over the last two weeks with likes, comments and shares; every
  demo account follows a dozen of them, so each logs in to a populated feed, and the
  other demo accounts, so what one posts the others read. Everyone follows ``ada``
  (``CELEBRITY``): over ``make run``'s fan-out threshold, her posts are merged into
  feeds at read time while everyone else's are fanned out. Safe to run twice (it tops
  up; nothing is duplicated).
- ``bulk_seed`` (``manage.py seed_social``): N users, M posts, K follows per user, in
  bulk (PostgreSQL COPY; ``bulk_create`` elsewhere), for benchmarks.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.cache import versioned as core_cache
from core.site.demo import DEMO_ACCOUNTS
from social import feed, selectors
from social.models import Comment, Follow, Like, Post, Profile, Share

User = get_user_model()

PEOPLE = [
    "ada",
    "grace",
    "alan",
    "edsger",
    "barbara",
    "donald",
    "ken",
    "dennis",
    "margaret",
    "katherine",
    "linus",
    "guido",
    "bjarne",
    "frances",
    "radia",
    "tim",
    "vint",
    "john",
    "sophie",
    "hedy",
    "annie",
    "mary",
    "joan",
    "lynn",
    "karen",
    "anita",
    "shafi",
    "leslie",
    "judea",
    "yann",
    "fei",
    "niklaus",
    "tony",
    "carl",
    "ivan",
    "rosalind",
]
SEED_PREFIX = "seed_user_"
# Followed by every other demo person and account (about forty): `make run` sets
# SOCIAL_FANOUT_MAX_FOLLOWERS below that, so the social console shows both origins.
CELEBRITY = "ada"

OPENERS = (
    "Just shipped",
    "Reading about",
    "Thinking about",
    "Finally understood",
    "Hot take on",
    "Notes from a talk on",
    "A small trick for",
    "Debugging",
    "Weekend project:",
    "Today I learned about",
)
TOPICS = (
    "B-trees",
    "consistent hashing",
    "Redis sorted sets",
    "GraphQL dataloaders",
    "PostgreSQL LATERAL joins",
    "fan-out on write",
    "Celery retries",
    "cache stampedes",
    "keyset pagination",
    "type hints",
    "CRDTs",
    "query planners",
    "zero-downtime migrations",
    "rate limiting",
    "property-based testing",
    "the outbox pattern",
    "vector clocks",
    "bloom filters",
    "SQL window functions",
    "HTTP caching",
)
CLOSERS = (
    "Thoughts?",
    "Highly recommended.",
    "More soon.",
    "It was simpler than I expected.",
    "Took me a week.",
    "Would do it again.",
    "Ask me anything.",
    "Surprisingly fun.",
)
REPLIES = (
    "Great point!",
    "I ran into the same thing.",
    "Do you have a link?",
    "Nice write-up.",
    "Disagree, but interesting.",
    "Bookmarked.",
    "This saved my day.",
    "+1",
)


def _text(rng: random.Random) -> str:
    return f"{rng.choice(OPENERS)} {rng.choice(TOPICS)}. {rng.choice(CLOSERS)}"


@transaction.atomic
def demo_seed(stdout: Any = None) -> str:
    rng = random.Random("nexus-social-demo")  # noqa: S311  (demo data, not secrets)
    now = timezone.now()
    people = _demo_people()
    demo_users = list(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]))
    everyone = people + demo_users
    Profile.objects.bulk_create([Profile(user_id=u.pk) for u in everyone], ignore_conflicts=True)
    Profile.objects.filter(user_id__in=[p.pk for p in people], bio="").update(
        bio="Demo account: writes about software."
    )
    _demo_follows(rng, people, demo_users, now)
    created_posts = 0
    if not Post.objects.filter(author__in=people).exists():
        created_posts = _demo_posts(rng, people, everyone, now)
    counts_recompute(user_ids=[u.pk for u in everyone])
    transaction.on_commit(lambda: feed.invalidate([u.pk for u in everyone]))
    core_cache.invalidate(selectors.TRENDING_NAMESPACE)
    return (
        f"{len(people)} people, {Follow.objects.filter(follower__in=everyone).count()} follows, "
        f"{created_posts} new posts"
    )


def _demo_people() -> list[Any]:
    people = []
    for name in PEOPLE:
        user = User.objects.filter(username__iexact=name).first()
        if user is None:
            user = User(
                username=name, email=f"{name}@demo.nexus.localhost", first_name=name.title()
            )
            user.set_unusable_password()
            user.save()
        people.append(user)
    return people


def _demo_follows(
    rng: random.Random, people: list[Any], demo_users: list[Any], now: datetime
) -> None:
    follows = []
    for user in people:
        for other in rng.sample(people, 9):
            if other.pk != user.pk:
                follows.append(Follow(follower=user, followee=other, created_at=now))
    for user in demo_users:
        for other in rng.sample(people, 12):
            follows.append(Follow(follower=user, followee=other, created_at=now))
        for other in demo_users:
            if other.pk != user.pk:
                follows.append(Follow(follower=user, followee=other, created_at=now))
    celebrity = next(user for user in people if user.username == CELEBRITY)
    for user in people + demo_users:
        if user.pk != celebrity.pk:
            follows.append(Follow(follower=user, followee=celebrity, created_at=now))
    Follow.objects.bulk_create(follows, ignore_conflicts=True)


def _demo_posts(rng: random.Random, people: list[Any], everyone: list[Any], now: datetime) -> int:
    """320 posts over two weeks, with likes, comments and shares; how many were made."""
    posts = []
    for _ in range(320):
        at = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
        posts.append(
            Post(author=rng.choice(people), content=_text(rng), created_at=at, updated_at=at)
        )
    posts = Post.objects.bulk_create(posts)
    likes, comments, shares = [], [], []
    for post in posts:
        for liker in rng.sample(everyone, rng.randint(0, 8)):
            likes.append(Like(user=liker, post=post, created_at=post.created_at))
        for _ in range(rng.randint(0, 3)):
            comments.append(
                Comment(
                    post=post,
                    author=rng.choice(people),
                    text=rng.choice(REPLIES),
                    created_at=post.created_at + timedelta(minutes=rng.randint(1, 600)),
                )
            )
        if rng.random() < 0.15:
            sharer = rng.choice(people)
            if sharer.pk != post.author_id:
                shared_at = min(now, post.created_at + timedelta(hours=rng.randint(1, 48)))
                shares.append(Share(user=sharer, post=post, created_at=shared_at))
    Like.objects.bulk_create(likes, ignore_conflicts=True)
    Comment.objects.bulk_create(comments)
    Share.objects.bulk_create(shares, ignore_conflicts=True)
    return len(posts)


def _count(model: Any, field: str, outer: str = "pk") -> Any:
    rows = (
        model.objects.filter(**{field: OuterRef(outer)})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows), 0)


def counts_recompute(*, user_ids: Sequence[int]) -> None:
    """Set the denormalised counts of these users' posts and profiles from the rows
    (after bulk loads, which bypass the services)."""
    Post.objects.filter(author_id__in=list(user_ids)).update(
        like_count=_count(Like, "post"),
        comment_count=_count(Comment, "post"),
        share_count=_count(Share, "post"),
    )
    Profile.objects.filter(user_id__in=list(user_ids)).update(
        follower_count=_count(Follow, "followee", "user_id"),
        following_count=_count(Follow, "follower", "user_id"),
    )


# --- at scale ----------------------------------------------------------------------------


@dataclass
class SeedReport:
    users: int
    posts: int
    follows: int
    seconds: float


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())


def bulk_seed(
    *,
    users: int,
    posts: int,
    follows: int,
    batch: int = 20_000,
    progress: Callable[[str, int, int, float], None] | None = None,
) -> SeedReport:
    """Create ``users`` accounts (``seed_user_000001``...), ``posts`` posts spread over
    the last year, and ``follows`` follows per seeded user (random distinct others).
    Tops up: existing seeded users are reused; posts and follows are added."""
    rng = random.Random(f"nexus-social-seed-{users}-{posts}-{follows}")  # noqa: S311
    started = time.perf_counter()
    now = timezone.now()
    use_copy = connection.vendor == "postgresql"

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total, time.perf_counter() - started)

    existing = User.objects.filter(username__startswith=SEED_PREFIX).count()
    for start in range(existing, users, batch):
        stop = min(users, start + batch)
        rows = [
            User(
                username=f"{SEED_PREFIX}{n:07d}",
                email=f"{SEED_PREFIX}{n:07d}@seed.nexus.localhost",
                password="!",  # noqa: S106  (unusable: seeded accounts cannot sign in)
                date_joined=now,
            )
            for n in range(start + 1, stop + 1)
        ]
        User.objects.bulk_create(rows, batch_size=5000)
        tick("users", stop, users)
    ids = list(
        User.objects.filter(username__startswith=SEED_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[:users]
    )
    Profile.objects.bulk_create(
        [Profile(user_id=i) for i in ids], ignore_conflicts=True, batch_size=5000
    )

    year = 365 * 24 * 3600
    for start in range(0, posts, batch):
        stop = min(posts, start + batch)
        rows = []
        for _ in range(start, stop):
            at = now - timedelta(seconds=rng.randint(0, year), microseconds=rng.randint(0, 999_999))
            rows.append((rng.choice(ids), _text(rng), "", at.isoformat(), at.isoformat(), 0, 0, 0))
        columns = (
            "author_id",
            "content",
            "media_url",
            "created_at",
            "updated_at",
            "like_count",
            "comment_count",
            "share_count",
        )
        if use_copy:
            _copy("social_post", columns, rows)
        else:
            Post.objects.bulk_create([Post(**dict(zip(columns, row, strict=True))) for row in rows])
        tick("posts", stop, posts)

    total_follows = len(ids) * min(follows, len(ids) - 1)
    done = 0
    chunk: list[tuple[Any, ...]] = []
    for follower in ids:
        picked = [f for f in rng.sample(ids, min(follows + 1, len(ids))) if f != follower]
        chunk.extend((follower, followee, now.isoformat()) for followee in picked[:follows])
        if len(chunk) >= batch:
            _follows_insert(chunk, use_copy)
            done += len(chunk)
            chunk = []
            tick("follows", done, total_follows)
    if chunk:
        _follows_insert(chunk, use_copy)
        done += len(chunk)
    tick("follows", total_follows, total_follows)
    seeded_profiles_recount()
    if use_copy:  # fresh planner statistics, before autovacuum
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE social_post; ANALYZE social_follow; ANALYZE social_profile")
    return SeedReport(len(ids), posts, done, time.perf_counter() - started)


def seeded_profiles_recount() -> None:
    """The seeded users' follower and following counts, from the follows (the only
    profiles a bulk seed's follows touch); the ORM's correlated counts, on any database."""
    Profile.objects.filter(user__username__startswith=SEED_PREFIX).update(
        follower_count=_count(Follow, "followee", "user_id"),
        following_count=_count(Follow, "follower", "user_id"),
    )


def _follows_insert(rows: list[tuple[Any, ...]], use_copy: bool) -> None:
    # Duplicates (a re-run) are skipped: through a temporary table on PostgreSQL.
    if use_copy:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS seed_follow "
                "(follower_id bigint, followee_id bigint, created_at timestamptz)"
            )
            cursor.execute("TRUNCATE seed_follow")
        _copy("seed_follow", ("follower_id", "followee_id", "created_at"), rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO social_follow (follower_id, followee_id, created_at) "
                "SELECT follower_id, followee_id, created_at FROM seed_follow "
                "ON CONFLICT DO NOTHING"
            )
    else:
        Follow.objects.bulk_create(
            [Follow(follower_id=a, followee_id=b, created_at=c) for a, b, c in rows],
            ignore_conflicts=True,
        )
