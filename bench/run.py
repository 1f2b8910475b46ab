"""Benchmark the core endpoints on PostgreSQL + Redis + RabbitMQ with seeded data.

    make bench                      # or: python bench/run.py [--duration 10] [--servers asgi,wsgi]

1. creates the database ``nexus_bench`` (if missing), migrates and seeds it
   with bench/seed_core.py (200k users, 1M notifications by default);
2. starts gunicorn with production settings in each server mode (``asgi``:
   uvicorn workers as in the container image; ``wsgi``: gthread workers);
3. drives each scenario with wrk (2 threads, 16 connections) and prints a
   Markdown table of requests/s and p50/p95/p99 latency.

Needs ``wrk`` (Debian: ``apt-get install wrk``). Loopback traffic only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DB_NAME = "nexus_bench"
PORT = 8100

SERVERS = {
    "asgi": ["config.asgi:application", "-k", "config.workers.UvicornWorker"],
    "wsgi": ["config.wsgi:application", "-k", "gthread", "--threads", "4"],
}


def database_url(database: str = DB_NAME) -> str:
    """The bench database's URL: ``BENCH_DATABASE_URL`` may point the default one
    elsewhere; another benchmark's own database (``database``) is on the local server."""
    if database == DB_NAME:
        return os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def bench_env(server: str, database: str = DB_NAME) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "CELERY_BROKER_URL": os.environ.get(
            "BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"
        ),
        "CELERY_TASK_DEFAULT_QUEUE": "nexus-bench",
        "THROTTLE_ANON": "100000000/min",
        "THROTTLE_USER": "100000000/min",
        "THROTTLE_AUTH": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(ROOT / "bench" / "out" / "static"),
    }
    # Under ASGI, Django's per-thread persistent connections are not reused: pool them.
    env["DATABASE_POOL"] = "true" if server == "asgi" else "false"
    return env


def ensure_database(env: dict[str, str], database: str = DB_NAME) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            db.execute(f'CREATE DATABASE "{database}"')
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), *command, "-v", "0"],
            env=env,
            check=True,
            cwd=ROOT,
        )


def seed(env: dict[str, str], users: int, notifications: int) -> None:
    subprocess.run(  # noqa: S603
        [
            *(sys.executable, str(ROOT / "bench" / "seed_core.py")),
            *("--users", str(users), "--notifications", str(notifications)),
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def start_gunicorn(server: str, env: dict[str, str], port: int = PORT) -> subprocess.Popen:
    """gunicorn as production runs it (SERVERS[server], 2 workers) on ``port``."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"port {port} is busy")
    return subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            *SERVERS[server],
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def wrk(url: str, duration: int, token: str = "", body: str = "", method: str = "GET") -> dict:
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_BODY": body, "BENCH_METHOD": method}
    result = subprocess.run(  # noqa: S603
        [
            *("wrk", "-t2", "-c16", f"-d{duration}s", "--timeout", "10s"),
            *("-s", str(ROOT / "bench" / "report.lua"), url),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def scenarios(base: str, token: str) -> list[tuple[str, dict]]:
    me_query = json.dumps({"query": "{ me { username roles } }"})
    return [
        ("GET /health/live/", {"url": base + "/health/live/"}),
        ("GET /health/ready/ (db+redis+amqp)", {"url": base + "/health/ready/"}),
        ("GET /api/v1/auth/me/ (JWT)", {"url": base + "/api/v1/auth/me/", "token": token}),
        (
            "GET /api/v1/auth/notifications/ (cursor, 20 of ~50k)",
            {"url": base + "/api/v1/auth/notifications/", "token": token},
        ),
        (
            "POST /graphql/ { me }",
            {"url": base + "/graphql/", "token": token, "body": me_query, "method": "POST"},
        ),
        ("GET / (landing page)", {"url": base + "/"}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--servers", default="asgi,wsgi")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    env = bench_env("wsgi")
    ensure_database(env)
    seed(env, args.users, args.notifications)

    rows = []
    for server in args.servers.split(","):
        env = bench_env(server)
        process = start_gunicorn(server, env)
        base = f"http://127.0.0.1:{PORT}"
        try:
            wait_for(base + "/health/live/")
            from seed_core import HEAVY_USER, PASSWORD

            token = post_json(
                base + "/api/v1/auth/token/", {"username": HEAVY_USER, "password": PASSWORD}
            )["access"]
            for name, spec in scenarios(base, token):
                wrk(spec["url"], 2, spec.get("token", ""), spec.get("body", ""),
                    spec.get("method", "GET"))  # fmt: skip
                result = wrk(
                    spec["url"],
                    args.duration,
                    spec.get("token", ""),
                    spec.get("body", ""),
                    spec.get("method", "GET"),
                )
                rows.append((server, name, result))
                print(server, name, result, flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)

    print("\n| server | scenario | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for server, name, r in rows:
        print(
            f"| {server} | {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['errors']} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
