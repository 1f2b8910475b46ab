"""Benchmark the movies domain on PostgreSQL + Redis with MovieLens loaded.

    make bench-movies                # or: python bench/movies_run.py [--users 200]

1. creates and migrates ``nexus_bench_movies`` (bench/run.py's helpers) and seeds it
   with bench/movies_seed.py: MovieLens (100k ratings), ``--users`` Nexus users with five
   ratings each, and one timed training run;
2. runs ``manage.py evaluate_recommender`` (the evaluation table);
3. starts gunicorn as bench/run.py does (production settings, 2 workers, gthread) on
   port 8105 with bench/movies_settings.py, which adds the ceiling views of
   bench/movies_urls.py;
4. cold recommendations: the first request of each of ``--cold-users`` users (a cache
   miss: profile queries, model scoring, movie fetch), one at a time, timed by the
   client; warm recommendations and a cached catalog search with wrk, each next to a
   minimal Django view returning the same cached value (the ceiling).

Prints Markdown tables and writes bench/out/movies.json. Needs ``wrk``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

from run import ROOT, bench_env, ensure_database, post_json, start_gunicorn, wait_for

PORT = 8105
DATABASE = "nexus_bench_movies"
REDIS_URL = os.environ.setdefault("BENCH_MOVIES_REDIS_URL", "redis://127.0.0.1:6379/12")
QUEUE = "nexus-bench-movies"
OUT = ROOT / "bench" / "out"
# bench/movies_seed.py's accounts (not imported: it sets Django up on import).
PREFIX = "bench_movies_"
PASSWORD = "bench-movies-password-42"  # noqa: S105  (bench-only accounts)
SEARCH = "/api/v1/movies/movies/?search=star&ordering=-rating_count"
RAW_SEARCH = "/bench/movies/raw/movies/?search=star&ordering=-rating_count"


def server_env(server: str) -> dict[str, str]:
    env = bench_env(server, DATABASE)
    env["DJANGO_SETTINGS_MODULE"] = "movies_settings"
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}"
    env["REDIS_URL"] = REDIS_URL
    env["CACHE_KEY_PREFIX"] = "nexus-bench-movies"
    env["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
    settings = (ROOT / "src" / "config" / "settings" / "base.py").read_text()
    for name in set(re.findall(r"env\(\s*\"(THROTTLE_[A-Z0-9_]+)\"", settings)):
        env[name] = "100000000/min"
    return env


def manage_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"}


def seed(env: dict[str, str], users: int) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "movies_seed.py"), "--users", str(users)],
        env=manage_env(env),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def evaluate(env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "evaluate_recommender"],
        env=manage_env(env),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def wrk(url: str, duration: int, connections: int, token: str = "") -> dict:
    result = subprocess.run(  # noqa: S603
        [
            *("wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"),
            *("-s", str(ROOT / "bench" / "report.lua"), url),
        ],
        env={**os.environ, "BENCH_TOKEN": token, "BENCH_BODY": "", "BENCH_METHOD": "GET"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def get(url: str, token: str = "") -> tuple[float, dict]:
    request = urllib.request.Request(url)  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--cold-users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    env = server_env("wsgi")
    ensure_database(manage_env(env), DATABASE)
    seeded = seed(env, args.users)
    user_ids = seeded.pop("user_ids")
    print("seeded:", seeded, flush=True)
    table = evaluate(env)
    print(table, flush=True)

    results: dict = {"seeded": seeded, "evaluation": table}
    process = start_gunicorn("wsgi", env, PORT)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_for(base + "/health/live/")
        count = min(args.cold_users + 1, len(user_ids))
        tokens = [
            post_json(
                base + "/api/v1/auth/token/",
                {"username": f"{PREFIX}{n:04d}", "password": PASSWORD},
            )["access"]
            for n in range(count)
        ]
        # Warm both workers' model memory first (excluded from the figures).
        for _ in range(4):
            get(base + "/api/v1/movies/recommendations/", tokens[0])
        cold = [get(base + "/api/v1/movies/recommendations/", t)[0] for t in tokens[1:]]
        results["cold"] = {
            "requests": len(cold),
            "p50_ms": statistics.median(cold),
            "p95_ms": percentile(cold, 0.95),
            "max_ms": max(cold),
        }
        print("cold:", results["cold"], flush=True)
        get(base + SEARCH)  # fills the catalog cache
        scenarios = {
            ("recommendations (warm, cached list)", "api"): (
                base + "/api/v1/movies/recommendations/",
                tokens[1],
            ),
            ("recommendations (warm, cached list)", "ceiling"): (
                f"{base}/bench/movies/raw/recommendations/?user={user_ids[1]}",
                "",
            ),
            ("movies ?search=star (cached page)", "api"): (base + SEARCH, ""),
            ("movies ?search=star (cached page)", "ceiling"): (base + RAW_SEARCH, ""),
        }
        api_body = get(*scenarios[("recommendations (warm, cached list)", "api")])[1]
        raw_body = get(scenarios[("recommendations (warm, cached list)", "ceiling")][0])[1]
        results["same_list"] = api_body == raw_body
        print("ceiling returns the same list:", results["same_list"], flush=True)
        rows = []
        for (name, kind), (url, token) in scenarios.items():
            for connections in (2, 16):
                wrk(url, 1, connections, token)
                figures = wrk(url, args.duration, connections, token)
                rows.append({"scenario": name, "kind": kind, "c": connections, **figures})
                print(name, kind, connections, figures, flush=True)
        results["wrk"] = rows
    finally:
        process.terminate()
        process.wait(timeout=30)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "movies.json").write_text(json.dumps(results, indent=2))

    cold = results["cold"]
    print(
        f"\nSeeded {seeded['movies']:,} movies, {seeded['ratings']:,} ratings "
        f"({seeded['users']} Nexus users); training {seeded['train_seconds']:.1f}s\n"
    )
    print(
        f"Cold recommendations ({cold['requests']} users, one at a time): "
        f"p50 {cold['p50_ms']:.1f} ms, p95 {cold['p95_ms']:.1f} ms, max {cold['max_ms']:.1f} ms\n"
    )
    print("| scenario | served by | conns | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['scenario']} | {r['kind']} | {r['c']} | {r['rps']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
        )


if __name__ == "__main__":
    main()
