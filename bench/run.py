"""Benchmark the core endpoints on PostgreSQL + Redis + RabbitMQ with seeded data.

    python bench/run.py [--duration 10] [--servers asgi,wsgi]
    make bench-core    # only ``full`` below, as make bench runs it, into the latest run

1. creates the database ``nexus_bench`` (if missing), migrates it and seeds it with
   bench/seed_core.py (200k users, 1M notifications by default), unless its recorded
   seed version matches (bench/common.py);
2. starts gunicorn with production settings in each server mode (``asgi``: uvicorn
   workers as in the container image; ``wsgi``: gthread workers), with
   bench/core_settings.py, which only adds the raw-SQL ceilings of bench/core_urls.py;
3. drives each scenario with wrk (2 threads, 16 connections) and prints a Markdown
   table of requests/s and p50/p95/p99 latency.

``full(context)`` is this domain's part of ``make bench`` (bench/all_run.py): ``me``
and a notifications page (REST and GraphQL) next to their raw-SQL ceilings.

Needs ``wrk`` (Debian: ``apt-get install wrk``). Loopback traffic only.
"""

from __future__ import annotations

import argparse
import json
import sys

from common import (
    Context,
    Row,
    SeedSpec,
    Target,
    compared,
    domain_env,
    fetch,
    interleaved,
    manage_env,
    post_json,
    prepare,
    run_script,
    serving,
    worker_rss_mib,
)

DATABASE = "nexus_bench"
PORT = 8100
ME, RAW_ME = "/api/v1/auth/me/", "/bench/core/raw/me/"
NOTIFICATIONS, RAW_NOTIFICATIONS = "/api/v1/auth/notifications/", "/bench/core/raw/notifications/"
ME_QUERY = json.dumps({"query": "{ me { username roles } }"})


def env(server: str = "wsgi") -> dict[str, str]:
    return domain_env("core", DATABASE, server)


def seed_spec(users: int = 200_000, notifications: int = 1_000_000) -> SeedSpec:
    args = ["--users", str(users), "--notifications", str(notifications)]

    def seed(environment: dict[str, str]) -> dict:
        output = run_script("seed_core.py", args, manage_env(environment))
        return {"summary": output.strip().splitlines()[-1]}

    return SeedSpec(
        domain="core",
        database=DATABASE,
        sources=["bench/seed_core.py"],
        params={"users": users, "notifications": notifications},
        seed=seed,
        env=env(),
        tag="2",  # 2: each notification's created_at in its INSERT, the tables vacuumed
    )


def sign_in(base: str) -> str:
    from seed_core import HEAVY_USER, PASSWORD

    body = {"username": HEAVY_USER, "password": PASSWORD}
    return post_json(base + "/api/v1/auth/token/", body)["access"]


def scenarios(base: str, token: str) -> list[tuple[str, Target]]:
    return [
        ("GET /health/live/", Target(base + "/health/live/")),
        ("GET /health/ready/ (db+redis+amqp)", Target(base + "/health/ready/")),
        ("GET /api/v1/auth/me/ (JWT)", Target(base + ME, token)),
        (
            "GET /api/v1/auth/notifications/ (cursor, 20 of ~50k)",
            Target(base + NOTIFICATIONS, token),
        ),
        ("POST /graphql/ { me }", Target(base + "/graphql/", token, body=ME_QUERY)),
        ("GET / (landing page)", Target(base + "/")),
    ]


def full(context: Context) -> list[Row]:
    base = f"http://127.0.0.1:{PORT}"
    with serving("wsgi", env("wsgi"), PORT) as process:
        token = sign_in(base)
        api_me, raw_me = fetch(base + ME, token)[1], fetch(base + RAW_ME, token)[1]
        api_page = fetch(base + NOTIFICATIONS, token)[1]["results"]
        raw_page = fetch(base + RAW_NOTIFICATIONS, token)[1]["results"]
        same = {"me": api_me == raw_me, "notifications": api_page == raw_page}
        context.log(f"core: same answers as the ceilings: {same}")
        targets = {
            "me": Target(base + ME, token),
            "me (GraphQL)": Target(base + "/graphql/", token, body=ME_QUERY),
            "me ceiling": Target(base + RAW_ME, token),
            "notifications": Target(base + NOTIFICATIONS, token),
            "notifications ceiling": Target(base + RAW_NOTIFICATIONS, token),
        }
        figures = interleaved(
            targets, rounds=context.rounds, duration=context.duration, log=context.log
        )
        rss = worker_rss_mib(process.pid)

    def row(scenario: str, api: str, ceiling: str, check: str) -> Row:
        note = "" if same[check] else "ceiling answers differently"
        return compared("core", scenario, api, ceiling, figures, rss_mib=rss, note=note)

    return [
        row("GET /api/v1/auth/me/ (JWT)", "me", "me ceiling", "me"),
        row("POST /graphql/ { me }", "me (GraphQL)", "me ceiling", "me"),
        row(
            "GET /api/v1/auth/notifications/ (cursor, 20 of ~50k)",
            "notifications",
            "notifications ceiling",
            "notifications",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--servers", default="asgi,wsgi")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    args = parser.parse_args()

    prepare([seed_spec(args.users, args.notifications)])
    rows = []
    base = f"http://127.0.0.1:{PORT}"
    for server in args.servers.split(","):
        with serving(server, env(server), PORT):
            token = sign_in(base)
            for name, target in scenarios(base, token):
                target.load(2, 16)  # warm-up
                result = target.load(args.duration, 16)
                rows.append((server, name, result))
                print(server, name, result, flush=True)

    print("\n| server | scenario | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for server, name, r in rows:
        print(
            f"| {server} | {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['errors']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
