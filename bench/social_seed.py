"""Seed the social bench database and take the in-process measurements.

    python bench/social_seed.py --users 10000 --posts 1000000 --follows 100
    python bench/social_seed.py --fanout   # fan-out and hybrid-merge costs

Run by bench/social_run.py with the bench environment (production settings).
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import django

STAR_BELOW = "bench_star_below"
STAR_ABOVE = "bench_star_above"


def seed(users: int, posts: int, follows: int) -> dict:
    from django.core.management import call_command

    from social.models import Post

    if Post.objects.count() >= posts:
        return {"seeded": False, "posts": Post.objects.count()}
    started = time.perf_counter()
    call_command("seed_social", users=users, posts=posts, follows=follows)
    return {"seeded": True, "seconds": round(time.perf_counter() - started, 1)}


def _star(name: str, followers: list[int]) -> int:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from social.demo import counts_recompute
    from social.models import Follow, Profile

    user, _ = get_user_model().objects.get_or_create(
        username=name, defaults={"password": "!", "email": f"{name}@bench.nexus.localhost"}
    )
    Profile.objects.get_or_create(user=user)
    now = timezone.now()
    Follow.objects.bulk_create(
        [Follow(follower_id=f, followee=user, created_at=now) for f in followers if f != user.pk],
        ignore_conflicts=True,
        batch_size=5000,
    )
    counts_recompute(user_ids=[user.pk])
    return user.pk


def fanout(threshold: int) -> dict:
    """Worker time to fan one post of an account just below the threshold out into its
    followers' built feeds, and the read-time cost of the hybrid merge for a follower
    of an account above it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from social import feed, home_feed
    from social.models import Follow
    from social.services import fanout as fanout_services
    from social.services import posts

    ids = list(
        get_user_model()
        .objects.filter(username__startswith="seed_user_")
        .order_by("pk")
        .values_list("pk", flat=True)[: threshold + 1]
    )
    below = _star(STAR_BELOW, ids[: threshold - 1])
    above = _star(STAR_ABOVE, ids[: threshold + 1])
    followers = list(Follow.objects.filter(followee_id=below).values_list("follower_id", flat=True))
    # Built feeds for every follower (empty: pushing costs the same into any set size).
    for start in range(0, len(followers), 1000):
        for user_id in followers[start : start + 1000]:
            feed.store(user_id, [])
    post = posts.post_create(
        author=get_user_model().objects.get(pk=below), content="to nearly everyone"
    )
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        written = fanout_services.feed_fan_out(
            post_id=post.pk, source_id=below, score=feed.to_ms(post.created_at)
        )
        runs.append(time.perf_counter() - started)
    posts.post_create(author=get_user_model().objects.get(pk=above), content="to everyone")

    reader = ids[0]
    feed.invalidate([reader])
    home_feed.feed_page(viewer_id=reader, first=20, after=None)  # rebuild, warm

    def timed() -> float:
        started = time.perf_counter()
        home_feed.feed_page(viewer_id=reader, first=20, after=None)
        return (time.perf_counter() - started) * 1000

    with_merge = sorted(timed() for _ in range(50))
    Follow.objects.filter(follower_id=reader, followee_id=above).delete()
    without = sorted(timed() for _ in range(50))
    Follow.objects.get_or_create(
        follower_id=reader, followee_id=above, defaults={"created_at": post.created_at}
    )
    return {
        "threshold": settings.SOCIAL_FANOUT_MAX_FOLLOWERS,
        "fanout_followers": len(followers),
        "fanout_feeds_written": written,
        "fanout_seconds_median": round(statistics.median(runs), 3),
        "merge_p50_ms": round(statistics.median(with_merge), 2),
        "no_merge_p50_ms": round(statistics.median(without), 2),
        "merge_p95_ms": round(with_merge[int(0.95 * len(with_merge)) - 1], 2),
        "no_merge_p95_ms": round(without[int(0.95 * len(without)) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=100)
    parser.add_argument("--fanout", action="store_true")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings

    if args.fanout:
        result = fanout(settings.SOCIAL_FANOUT_MAX_FOLLOWERS)
    else:
        result = seed(args.users, args.posts, args.follows)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
