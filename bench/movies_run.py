"""Benchmark the movies domain on PostgreSQL + Redis with MovieLens loaded.

    python bench/movies_run.py [--users 200]
    make bench-movies   # only ``full`` below, as make bench runs it, into the latest run

1. creates and migrates ``nexus_bench_movies`` (bench/common.py) and seeds it
   (unless its recorded seed version matches)
   with bench/movies_seed.py: MovieLens (100k ratings), ``--users`` Nexus users with five
   ratings each, and one timed training run;
2. runs ``manage.py evaluate_recommender`` (the evaluation table);
3. starts gunicorn as bench/common.py does (production settings, 2 workers, gthread) on
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
import re
import statistics
import subprocess
import sys
import time

from common import (
    OUT,
    ROOT,
    Context,
    Row,
    SeedSpec,
    Target,
    compared,
    domain_env,
    fetch,
    interleaved,
    manage_env,
    percentile,
    post_json,
    prepare,
    round_started,
    script_seed,
    serving,
    worker_rss_mib,
)

PORT = 8105
DATABASE = "nexus_bench_movies"
QUEUE = "nexus-bench-movies"
# bench/movies_seed.py's accounts (not imported: it sets Django up on import).
PREFIX = "bench_movies_"
PASSWORD = "bench-movies-password-42"  # noqa: S105  (bench-only accounts)
RECOMMENDATIONS = "/api/v1/movies/recommendations/"
SEARCH = "/api/v1/movies/movies/?search=star&ordering=-rating_count"
RAW_SEARCH = "/bench/movies/raw/movies/?search=star&ordering=-rating_count"
WARM, CACHED_SEARCH = "recommendations (warm, cached list)", "movies ?search=star (cached page)"


def movies_env(server: str = "wsgi") -> dict[str, str]:
    return domain_env("movies", DATABASE, server)


def seed_spec(users: int = 200) -> SeedSpec:
    return SeedSpec(
        domain="movies",
        database=DATABASE,
        sources=[
            "bench/movies_seed.py",
            "src/movies/management/commands/import_movielens.py",
            "src/movies/importer.py",
            "src/movies/recommender.py",
        ],
        params={"users": users},
        seed=script_seed("movies_seed.py", "--users", str(users)),
        env=movies_env(),
    )


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


def get(url: str, token: str = "") -> tuple[float, dict]:
    return fetch(url, token)


def sign_in(base: str, count: int) -> list[str]:
    return [
        post_json(
            base + "/api/v1/auth/token/",
            {"username": f"{PREFIX}{n:04d}", "password": PASSWORD},
        )["access"]
        for n in range(count)
    ]


def cold_recommendations(base: str, tokens: list[str]) -> dict:
    """The first request of each user but the first (a cache miss each), one at a time;
    the first user's requests warm both workers' model memory (not counted)."""
    for _ in range(4):
        get(base + RECOMMENDATIONS, tokens[0])
    cold = [get(base + RECOMMENDATIONS, t)[0] for t in tokens[1:]]
    return {
        "requests": len(cold),
        "p50_ms": statistics.median(cold),
        "p95_ms": percentile(cold, 0.95),
        "max_ms": max(cold),
    }


def serving_targets(base: str, tokens: list[str]) -> dict:
    get(base + SEARCH)  # fills the catalog cache
    return {
        (WARM, "api"): Target(base + RECOMMENDATIONS, tokens[1]),
        (WARM, "ceiling"): Target(f"{base}/bench/movies/raw/recommendations/", tokens[1]),
        (CACHED_SEARCH, "api"): Target(base + SEARCH),
        (CACHED_SEARCH, "ceiling"): Target(base + RAW_SEARCH),
    }


def same_list(targets: dict) -> bool:
    """The same page (its links name each view's own path, so they are left out)."""
    api, raw = targets[(WARM, "api")], targets[(WARM, "ceiling")]

    def page(body: dict) -> dict:
        return {key: value for key, value in body.items() if key not in ("next", "previous")}

    return page(get(api.url, api.token)[1]) == page(get(raw.url, raw.token)[1])


def evaluation_summary(table: str, seconds: float) -> str:
    """The shipped model's NDCG@10, its multiple of the most-popular baseline, its
    coverage and popularity bias, from evaluate_recommender's table."""
    for line in table.splitlines():
        if line.startswith("| hybrid"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            numbers = [cell for cell in cells if re.fullmatch(r"[\d.]+x?", cell)]
            return (
                f"hybrid NDCG@10 {numbers[2]} = {numbers[-1]} most popular; coverage "
                f"{numbers[4]}, ARP@10 {numbers[5]}; {seconds:.0f} s"
            )
    return f"{seconds:.0f} s (no hybrid row found)"


def full(context: Context) -> list[Row]:
    """The movies' part of ``make bench``: cold and warm recommendations and the cached
    search (each warm one next to a bare view serving the same cached value), and the
    offline evaluation."""
    seeded = context.infos["movies"]
    env = movies_env()
    started = time.perf_counter()
    table = evaluate(env)
    evaluation = evaluation_summary(table, time.perf_counter() - started)
    context.log(f"movies: evaluation {evaluation}")
    base = f"http://127.0.0.1:{PORT}"
    with serving("wsgi", env, PORT) as process:
        tokens = sign_in(base, min(51, len(seeded["user_ids"])))
        round_started("movies: cold recommendations")
        cold = cold_recommendations(base, tokens)
        targets = serving_targets(base, tokens)
        same = same_list(targets)
        context.log(f"movies: cold {cold}; the ceiling returns the same list: {same}")
        figures = interleaved(
            targets, rounds=context.rounds, duration=context.duration, log=context.log
        )
        rss = worker_rss_mib(process.pid)
    note = "" if same else "ceiling answers differently"
    return [
        Row(
            "movies",
            f"recommendations, cold (first request of {cold['requests']} users)",
            cold["p50_ms"],
            cold["p95_ms"],
            None,
            rss_mib=rss,
            note="one at a time; no ceiling (model scoring)",
        ),
        compared(
            "movies",
            f"GET {RECOMMENDATIONS} (warm, cached list)",
            (WARM, "api"),
            (WARM, "ceiling"),
            figures,
            rss_mib=rss,
            note=note,
        ),
        compared(
            "movies",
            "GET /api/v1/movies/movies/?search=star (cached page)",
            (CACHED_SEARCH, "api"),
            (CACHED_SEARCH, "ceiling"),
            figures,
            rss_mib=rss,
        ),
        Row(
            "movies",
            "evaluate_recommender (offline, MovieLens split)",
            None,
            None,
            None,
            note=evaluation,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--cold-users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    seeded = dict(prepare([seed_spec(args.users)])["movies"])
    user_ids = seeded.pop("user_ids")
    print("seeded:", seeded, flush=True)
    env = movies_env()
    table = evaluate(env)
    print(table, flush=True)

    results: dict = {"seeded": seeded, "evaluation": table}
    base = f"http://127.0.0.1:{PORT}"
    with serving("wsgi", env, PORT):
        tokens = sign_in(base, min(args.cold_users + 1, len(user_ids)))
        results["cold"] = cold_recommendations(base, tokens)
        print("cold:", results["cold"], flush=True)
        targets = serving_targets(base, tokens)
        results["same_list"] = same_list(targets)
        print("ceiling returns the same list:", results["same_list"], flush=True)
        rows = []
        for (name, kind), target in targets.items():
            for connections in (2, 16):
                target.load(1, connections)
                figures = target.load(args.duration, connections)
                rows.append({"scenario": name, "kind": kind, "c": connections, **figures})
                print(name, kind, connections, figures, flush=True)
        results["wrk"] = rows
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
