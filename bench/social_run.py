"""Benchmark the social feed on PostgreSQL + Redis at scale.

    make bench-social     # or: python bench/social_run.py [--users 10000 --posts 1000000]

1. creates and migrates ``nexus_bench_social`` and seeds it (bench/social_seed.py ->
   ``manage.py seed_social``): N users, M posts over a year, K follows per user;
2. starts gunicorn as bench/run.py does (production settings, 2 workers), with
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
import os
import random
import re
import statistics
import subprocess
import sys
import urllib.request

from run import ROOT, bench_env, ensure_database, start_gunicorn, wait_for

PORT = 8106
DATABASE = "nexus_bench_social"
REDIS_URL = os.environ.setdefault("BENCH_SOCIAL_REDIS_URL", "redis://127.0.0.1:6379/9")
OUT = ROOT / "bench" / "out"
QUEUE = "nexus-bench-social"
GRAPHQL_FEED = (
    "{ feed(first: 20) { edges { cursor sharedBy { id username } sharedAt node { id content "
    "mediaUrl author { id username } createdAt updatedAt likeCount commentCount shareCount "
    "viewerHasLiked } } pageInfo { hasNextPage endCursor } } }"
)
LUA = r"""
-- each request signs as a random one of the tokens in BENCH_TOKENS (one per line)
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local body = os.getenv("BENCH_BODY")
wrk.method = os.getenv("BENCH_METHOD") or "GET"
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
math.randomseed(os.time())
request = function()
  wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format()
end
local non2xx = 0
response = function(status, headers, body)
  if status < 200 or status >= 300 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"errors": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.status + summary.errors.timeout + non2xx))
end
"""


def server_env(server: str) -> dict[str, str]:
    env = bench_env(server, DATABASE)
    env["DJANGO_SETTINGS_MODULE"] = "social_settings"
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}"
    env["REDIS_URL"] = REDIS_URL
    env["CACHE_KEY_PREFIX"] = "nexus-bench-social"
    env["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
    # Posts made by the in-process measurement run their fan-out inline.
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    settings = (ROOT / "src" / "config" / "settings" / "base.py").read_text()
    for name in set(re.findall(r"env\(\s*\"(THROTTLE_[A-Z0-9_]+)\"", settings)):
        env[name] = "100000000/min"
    return env


def run_seed(env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "social_seed.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    req = urllib.request.Request(  # noqa: S310
        base + path,
        data=body.encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def wrk(url: str, duration: int, connections: int, tokens_file: str, body: str = "") -> dict:
    script = OUT / "social.lua"
    script.write_text(LUA)
    result = subprocess.run(  # noqa: S603
        [
            *("wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"),
            *("-s", str(script), url),
        ],
        env={
            **os.environ,
            "BENCH_TOKENS": tokens_file,
            "BENCH_BODY": body,
            "BENCH_METHOD": "POST" if body else "GET",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    OUT.mkdir(parents=True, exist_ok=True)

    env = server_env(args.server)
    ensure_database(env, DATABASE)
    seeded = run_seed(
        env, "--users", str(args.users), "--posts", str(args.posts), "--follows", str(args.follows)
    )
    print("seed:", seeded, flush=True)
    tokens = tokens_for(env, args.readers)
    tokens_file = OUT / "social-tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    server = start_gunicorn(args.server, env, PORT)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_for(base + "/health/live/")
        body = json.dumps({"query": GRAPHQL_FEED})
        for token in tokens:  # warm: the first read of each feed rebuilds it in Redis
            request(base, "/api/v1/social/feed/", token)
        sample = tokens[0]
        rest_ids = [
            r["post"]["id"] for r in request(base, "/api/v1/social/feed/", sample)["results"]
        ]
        raw_ids = [
            r["post"]["id"] for r in request(base, "/bench/social/raw/feed/", sample)["results"]
        ]
        gql = request(base, "/graphql/", sample, body)["data"]["feed"]["edges"]
        gql_ids = [int(edge["node"]["id"]) for edge in gql]
        assert rest_ids == raw_ids == gql_ids, (rest_ids, raw_ids, gql_ids)
        print(f"same first page from all three ({len(rest_ids)} entries)", flush=True)

        kinds = {
            "GraphQL feed(first: 20)": (base + "/graphql/", body),
            "REST /api/v1/social/feed/": (base + "/api/v1/social/feed/", ""),
            "ceiling: raw SQL LATERAL": (base + "/bench/social/raw/feed/", ""),
        }
        results: dict[str, dict[str, list[dict]]] = {k: {"c2": [], "c16": []} for k in kinds}
        for _ in range(args.rounds):
            for kind, (url, payload) in kinds.items():
                results[kind]["c2"].append(wrk(url, args.duration, 2, str(tokens_file), payload))
                results[kind]["c16"].append(wrk(url, args.duration, 16, str(tokens_file), payload))
    finally:
        server.terminate()
        server.wait(timeout=30)

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
