"""Benchmark the social feed on PostgreSQL + Redis at scale.

    python bench/social_run.py [--users 10000 --posts 1000000]
    make bench-social     # only ``full`` below, as make bench runs it, into the latest run

1. creates and migrates ``nexus_bench_social`` and seeds it (bench/social_seed.py ->
   ``manage.py seed_social``): N users, M posts over a year, K follows per user;
2. starts gunicorn as bench/common.py does (production settings, 2 workers), with
   bench/social_settings.py, which only adds the raw-SQL ceiling view of
   bench/social_urls.py (same JWT authentication and fields, the LATERAL
   fan-out-on-read query, ``json.dumps``);
3. signs in R random seeded users, warms their Redis feeds (one read each), checks the
   three endpoints return the same first page, then wrk, each request as a random one
   of those users: ``feed(first: 20)`` over GraphQL, ``GET /api/v1/social/feed/`` and
   the ceiling, at 2 connections (p50/p95) and 16 (requests/s), in interleaved rounds
   (medians reported);
4. in-process (bench/social_seed.py --fanout): the worker time to fan out one post by
   an account just below ``SOCIAL_FANOUT_MAX_FOLLOWERS`` and the read time the hybrid
   merge adds for a follower of an account above it.

Prints Markdown tables and writes bench/out/social-<server>.json. Needs ``wrk``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys

from common import (
    OUT,
    REDIS_URL,
    ROOT,
    Context,
    Row,
    SeedSpec,
    Target,
    compared,
    domain_env,
    fetch,
    interleaved,
    last_json,
    manage_env,
    prepare,
    run_script,
    serving,
    worker_rss_mib,
)

PORT = 8106
DATABASE = "nexus_bench_social"
QUEUE = "nexus-bench-social"
GRAPHQL_FEED = (
    "{ feed(first: 20) { edges { cursor sharedBy { id username } sharedAt node { id content "
    "mediaUrl author { id username } createdAt updatedAt likeCount commentCount shareCount "
    "viewerHasLiked } } pageInfo { hasNextPage endCursor } } }"
)
REST_FEED, RAW_FEED = "/api/v1/social/feed/", "/bench/social/raw/feed/"


def social_env(server: str = "wsgi") -> dict[str, str]:
    # Posts made by the in-process measurement run their fan-out inline.
    return domain_env("social", DATABASE, server, CELERY_TASK_ALWAYS_EAGER="true")


def run_seed(env: dict[str, str], *args: str) -> dict:
    return last_json(run_script("social_seed.py", args, manage_env(env)))


def seed_spec(users: int = 10_000, posts: int = 1_000_000, follows: int = 100) -> SeedSpec:
    scale = {"users": users, "posts": posts, "follows": follows}

    def seed(environment: dict[str, str]) -> dict:
        return run_seed(environment, *(f"--{k}={v}" for k, v in scale.items()))

    return SeedSpec(
        domain="social",
        database=DATABASE,
        sources=[
            "bench/social_seed.py",
            "src/social/management/commands/seed_social.py",
            "src/social/demo.py",
        ],
        params=scale,
        seed=seed,
        env=social_env(),
    )


def tokens_for(env: dict[str, str], count: int) -> list[str]:
    code = (
        "import django, random; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework_simplejwt.tokens import AccessToken\n"
        "ids = list(get_user_model().objects.filter(username__startswith='seed_user_')"
        ".values_list('pk', flat=True))\n"
        f"rng = random.Random(7); picked = rng.sample(ids, min({count}, len(ids)))\n"
        "User = get_user_model()\n"
        "for user in User.objects.filter(pk__in=picked): print(AccessToken.for_user(user))\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return [line for line in result.stdout.splitlines() if line.count(".") == 2]


def request(base: str, path: str, token: str, body: str = "") -> dict:
    return fetch(base + path, token, body)[1]


def signed_in_readers(env: dict[str, str], count: int) -> tuple[list[str], str]:
    """Tokens of ``count`` random seeded users, and the file wrk picks them from."""
    tokens = tokens_for(env, count)
    OUT.mkdir(parents=True, exist_ok=True)
    tokens_file = OUT / "social-tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return tokens, str(tokens_file)


def same_first_page(base: str, tokens: list[str], body: str) -> bool:
    for token in tokens:  # warm: the first read of each feed rebuilds it in Redis
        request(base, REST_FEED, token)
    sample = tokens[0]
    rest_ids = [r["post"]["id"] for r in request(base, REST_FEED, sample)["results"]]
    raw_ids = [r["post"]["id"] for r in request(base, RAW_FEED, sample)["results"]]
    gql = request(base, "/graphql/", sample, body)["data"]["feed"]["edges"]
    gql_ids = [int(edge["node"]["id"]) for edge in gql]
    return bool(rest_ids) and rest_ids == raw_ids == gql_ids


def full(context: Context) -> list[Row]:
    """The social feed's part of ``make bench``: the feed over GraphQL and REST, each
    request as one of 200 random users, next to the raw-SQL LATERAL ceiling."""
    env = social_env()
    tokens, tokens_file = signed_in_readers(env, 200)
    base = f"http://127.0.0.1:{PORT}"
    body = json.dumps({"query": GRAPHQL_FEED})
    with serving("wsgi", env, PORT) as process:
        same = same_first_page(base, tokens, body)
        context.log(f"social: same first page from all three: {same}")
        targets = {
            "graphql": Target(base + "/graphql/", tokens_file=tokens_file, body=body),
            "rest": Target(base + REST_FEED, tokens_file=tokens_file),
            "ceiling": Target(base + RAW_FEED, tokens_file=tokens_file),
        }
        figures = interleaved(
            targets, rounds=context.rounds, duration=context.duration, log=context.log
        )
        rss = worker_rss_mib(process.pid)
    note = "" if same else "ceiling answers differently"
    return [
        compared(
            "social",
            "GraphQL feed(first: 20), 200 random readers",
            "graphql",
            "ceiling",
            figures,
            rss_mib=rss,
            note=note,
        ),
        compared(
            "social",
            "GET /api/v1/social/feed/, 200 random readers",
            "rest",
            "ceiling",
            figures,
            rss_mib=rss,
            note=note,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("wsgi", "asgi"), default="wsgi")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=100)
    parser.add_argument("--readers", type=int, default=200, help="random users signed in")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    seeded = prepare([seed_spec(args.users, args.posts, args.follows)])["social"]
    print("seed:", seeded, flush=True)
    env = social_env(args.server)
    tokens, tokens_file = signed_in_readers(env, args.readers)
    base = f"http://127.0.0.1:{PORT}"
    with serving(args.server, env, PORT):
        body = json.dumps({"query": GRAPHQL_FEED})
        if not same_first_page(base, tokens, body):
            raise SystemExit("the feeds' first pages differ")
        print("same first page from all three", flush=True)

        kinds = {
            "GraphQL feed(first: 20)": (base + "/graphql/", body),
            "REST /api/v1/social/feed/": (base + "/api/v1/social/feed/", ""),
            "ceiling: raw SQL LATERAL": (base + "/bench/social/raw/feed/", ""),
        }
        results: dict[str, dict[str, list[dict]]] = {k: {"c2": [], "c16": []} for k in kinds}
        for _ in range(args.rounds):
            for kind, (url, payload) in kinds.items():
                target = Target(url, tokens_file=tokens_file, body=payload)
                results[kind]["c2"].append(target.load(args.duration, 2))
                results[kind]["c16"].append(target.load(args.duration, 16))

    fan = run_seed(env, "--fanout")

    def med(runs: list[dict], key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 2)

    summary = {
        kind: {
            "c2_p50_ms": med(r["c2"], "p50_ms"),
            "c2_p95_ms": med(r["c2"], "p95_ms"),
            "c2_rps": med(r["c2"], "rps"),
            "c16_rps": med(r["c16"], "rps"),
            "c16_p95_ms": med(r["c16"], "p95_ms"),
            "errors": sum(run["errors"] for runs in r.values() for run in runs),
        }
        for kind, r in results.items()
    }
    print(
        f"\n### Social feed ({args.server}, {args.users:,} users, {args.posts:,} posts, "
        f"{args.follows} follows each; {args.readers} random readers; median of "
        f"{args.rounds} rounds of {args.duration} s)\n"
    )
    print(
        "| endpoint | 2 conn p50 ms | 2 conn p95 ms | 2 conn req/s | 16 conn req/s "
        "| 16 conn p95 ms | errors |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, row in summary.items():
        print(
            f"| {kind} | {row['c2_p50_ms']} | {row['c2_p95_ms']} | {row['c2_rps']} | "
            f"{row['c16_rps']} | {row['c16_p95_ms']} | {row['errors']} |"
        )
    print(
        f"\nfan-out of one post to {fan['fanout_followers']:,} followers (threshold "
        f"{fan['threshold']:,}): {fan['fanout_seconds_median']} s of worker time; "
        f"hybrid merge for a follower of an account above it: feed page p50 "
        f"{fan['merge_p50_ms']} ms vs {fan['no_merge_p50_ms']} ms without "
        f"(p95 {fan['merge_p95_ms']} vs {fan['no_merge_p95_ms']})"
    )
    (OUT / f"social-{args.server}.json").write_text(
        json.dumps(
            {"args": vars(args), "seed": seeded, "summary": summary, "fanout": fan, "raw": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    random.seed(7)
    main()
