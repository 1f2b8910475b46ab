"""The home feed in-process, before and after (issue 19, point 3): requests per second,
SQL statements and Redis round trips per request, and with ``--profile`` the top costs
(pyinstrument), for

- ``graphql feed``: ``{ feed(first: 20) { ... } }`` (bench/social_run.py's document), a
  seeded reader (100 follows);
- ``rest feed``: ``GET /api/v1/social/feed/``, the same reader;
- ``graphql feed, 20 x 500 sharers`` and ``rest feed, 20 x 500 sharers``: a reader who
  follows 500 accounts, each of which shared the same 20 posts (the page's every entry
  has 500 sharers);
- ``rebuild at 1,000 followees``: ``home_feed.feed_rebuild_entries`` for a reader who
  follows 1,000 accounts (what a cold feed's first read computes).

The same script measures two source trees: ``--src`` picks the tree whose ``src`` is
imported (the default: this one). ``--against OLD_TREE`` is the paired run: it starts
this script once per round and tree, alternating the trees and which goes first, and
prints the median and min-max of the rounds for each (processes, not patches: the
"before" is a worktree of the previous commit, e.g. ``git worktree add /tmp/feed-before
main``).

Data: tax_profile.py's social seed (``manage.py seed_social --users 5000 --posts 200000
--follows 100`` on a database of its own); the two wide readers and their shares are
added on first use (``bench_feed_wide``, ``bench_feed_shared``), one statement each::

    PYTHONPATH=src:bench DATABASE_URL=postgres://.../nexus_feed REDIS_URL=redis://.../3 \\
        python bench/social_feed_profile.py --against /tmp/feed-before [--rounds 6] \\
        [--requests 60] [--profile]

Results: bench/RESULTS.md, "Feeds at their ceilings — in-process".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _src_from_argv() -> Path:
    if "--src" in sys.argv:
        return Path(sys.argv[sys.argv.index("--src") + 1]).resolve()
    return ROOT / "src"


sys.path[:0] = [str(ROOT / "bench")]
import tax_profile  # noqa: E402  (sets the production settings' environment)

sys.path[:0] = [str(_src_from_argv())]  # before tax_profile's: the tree measured

WIDE, SHARED = "bench_feed_wide", "bench_feed_shared"
SHARED_POSTS, SHARED_BY, WIDE_FOLLOWS = 20, 500, 1000
REST_FEED = "/api/v1/social/feed/"


# --- data ---------------------------------------------------------------------------------


def _reader(username: str) -> tuple[Any, bool]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is not None:
        return user, False
    return users.create_user(username=username, email=f"{username}@example.com"), True


def prepare() -> dict[str, Any]:
    """The seeded reader, and the two wide readers (added once)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    users = get_user_model().objects
    seeded = list(
        users.filter(username__startswith="seed_user_").order_by("pk").values_list("pk", flat=True)
    )
    if len(seeded) < 2 * WIDE_FOLLOWS:
        sys.exit("seed first: manage.py seed_social --users 5000 --posts 200000 --follows 100")
    wide, created = _reader(WIDE)
    if created:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO social_follow (follower_id, followee_id, created_at) "
                "SELECT %s, u, now() FROM unnest(%s::bigint[]) AS u",
                [wide.pk, seeded[:WIDE_FOLLOWS]],
            )
    shared, created = _reader(SHARED)
    if created:
        sharers = seeded[-SHARED_BY:]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO social_follow (follower_id, followee_id, created_at) "
                "SELECT %s, u, now() FROM unnest(%s::bigint[]) AS u",
                [shared.pk, sharers],
            )
            # 20 posts by accounts the reader does not follow, each shared by all 500
            # followees within the last minute (the page's 20 newest entries).
            cursor.execute(
                "WITH picked AS (SELECT id, row_number() OVER (ORDER BY id) AS n "
                "  FROM social_post WHERE author_id = ANY(%(others)s) ORDER BY id LIMIT %(n)s) "
                "INSERT INTO social_share (user_id, post_id, comment, created_at) "
                "SELECT u, p.id, '', now() - (p.n * interval '1 second') "
                "  - (row_number() OVER () * interval '1 microsecond') "
                "FROM picked p CROSS JOIN unnest(%(sharers)s::bigint[]) AS u",
                {"others": seeded[:10], "n": SHARED_POSTS, "sharers": sharers},
            )
    return {"seeded": users.get(pk=seeded[0]), "wide": wide, "shared": shared}


def scenarios() -> dict[str, Callable[[], Any]]:
    from django.test import Client

    from core.identity.tokens import AccessToken
    from social import home_feed

    readers = prepare()

    def client_for(user: Any) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    seeded, shared = client_for(readers["seeded"]), client_for(readers["shared"])

    def graphql(client: Client) -> Callable[[], Any]:
        return lambda: client.post(
            "/graphql/", {"query": tax_profile.GRAPHQL_FEED}, content_type="application/json"
        )

    wide_id = readers["wide"].pk
    return {
        "graphql feed": graphql(seeded),
        "rest feed": lambda: seeded.get(REST_FEED),
        "graphql feed, 20 x 500 sharers": graphql(shared),
        "rest feed, 20 x 500 sharers": lambda: shared.get(REST_FEED),
        "rebuild at 1,000 followees": lambda: home_feed.feed_rebuild_entries(viewer_id=wide_id),
    }


def check(result: Any) -> None:
    if hasattr(result, "status_code"):
        tax_profile.check(result)


# --- one tree, one round -----------------------------------------------------------------


def measure(requests: int, only: str) -> dict[str, dict[str, float]]:
    calls = scenarios()
    if only:
        calls = {only: calls[only]}
    figures = {}
    for name, call in calls.items():
        for _ in range(5):  # warm: feeds built, caches filled, connections open
            check(call())
        with tax_profile.counting() as counters:
            check(call())
        # The slow ones fewer times (a round stays under a minute on a busy machine).
        count = max(requests // (10 if "rebuild" in name else 4 if "sharers" in name else 1), 5)
        started = time.perf_counter()
        for _ in range(count):
            call()
        elapsed = time.perf_counter() - started
        figures[name] = {
            "per_s": count / elapsed,
            "ms": 1000 * elapsed / count,
            "sql": counters.sql,
            "redis": counters.redis,
        }
    return figures


def compare(args: argparse.Namespace) -> None:
    trees = {"before": Path(args.against).resolve() / "src", "after": ROOT / "src"}
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {tree: [] for tree in trees}
    for number in range(args.rounds):
        order = list(trees) if number % 2 == 0 else list(trees)[::-1]
        for tree in order:
            command = [sys.executable, __file__, "--src", str(trees[tree])]
            command += ["--requests", str(args.requests), "--json"]
            if args.only:
                command += ["--only", args.only]
            out = subprocess.run(  # noqa: S603  (this script, our arguments)
                command, check=True, capture_output=True, text=True
            ).stdout
            rounds[tree].append(json.loads(out.strip().splitlines()[-1]))
        print(f"round {number + 1}: load average {os.getloadavg()}", file=sys.stderr)
    print("| request | before ms (median, min-max) | after ms | change | SQL | Redis |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in rounds["after"][0]:
        cells = []
        medians = {}
        for tree in trees:
            values = [each[name]["ms"] for each in rounds[tree]]
            medians[tree] = statistics.median(values)
            cells.append(f"{medians[tree]:.2f} ({min(values):.2f}-{max(values):.2f})")
        change = medians["after"] / medians["before"] - 1
        sql = " → ".join(str(int(rounds[tree][0][name]["sql"])) for tree in trees)
        redis = " → ".join(str(int(rounds[tree][0][name]["redis"])) for tree in trees)
        print(f"| {name} | {cells[0]} | {cells[1]} | {change:+.0%} | {sql} | {redis} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", help="the source tree to import (default: this one's)")
    parser.add_argument("--against", help="the tree to compare with (paired rounds)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--requests",
        type=int,
        default=60,
        help="requests per round (a quarter for the sharers, a tenth for the rebuild)",
    )
    parser.add_argument("--only", default="", help="a scenario name")
    parser.add_argument("--json", action="store_true", help="one round, as JSON")
    parser.add_argument("--profile", action="store_true", help="profile each scenario")
    parser.add_argument("--top", type=int, default=30, help="functions per profile table")
    args = parser.parse_args()
    if args.against:
        compare(args)
        return

    import django

    django.setup()
    if args.profile:
        calls = scenarios()
        for name, call in calls.items():
            if args.only and name != args.only:
                continue
            for _ in range(5):
                check(call())
            tax_profile.profile(name, call, args.requests, args.top)
        return
    figures = measure(args.requests, args.only)
    if args.json:
        print(json.dumps(figures))
        return
    for name, each in figures.items():
        print(f"{name}: {each['ms']:.2f} ms, SQL {each['sql']}, Redis {each['redis']}")


if __name__ == "__main__":
    main()
