"""PostgreSQL connections dropped under a running server: ``pg_terminate_backend`` on
every connection the app holds (what a failover, a restart or an idle-connection
reaper does), then requests. Served as production serves (gunicorn gthread on WSGI,
with persistent connections, ``CONN_MAX_AGE`` and ``CONN_HEALTH_CHECKS``; gunicorn with
uvicorn workers on ASGI with psycopg's pool, ``DATABASE_POOL=true``, whose connections
Django checks when it takes them from the pool): the next request after the drop
succeeds, and so does every one after it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.core.live_servers import Server
from tests.faults.figures import record
from tests.faults.servers import live_servers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 2


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory) -> Iterator[dict[str, Server]]:
    env = {"THROTTLE_ANON": "100000/min", "THROTTLE_USER": "100000/min", "LOG_LEVEL": "CRITICAL"}
    specs = {
        "gunicorn-wsgi": ("gunicorn-wsgi", env),
        # psycopg's pool, the choice under ASGI (config.settings: DATABASE_POOL)
        "gunicorn-asgi+pool": ("gunicorn-asgi", {**env, "DATABASE_POOL": "true"}),
    }
    with live_servers(specs, tmp_path_factory.mktemp("servers")) as started:
        yield started


def terminate_app_connections() -> int:
    """Terminate every other connection to the test database: the servers' ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def test_the_next_request_after_the_connections_are_dropped_succeeds(servers):
    from rest_framework_simplejwt.tokens import RefreshToken

    from tests.core.factories import UserFactory
    from tests.shop.factories import make_category, make_product

    user = UserFactory()
    product = make_product(make_category("Faults"))
    bearer = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
    reads = [
        ("/api/v1/auth/me/", bearer),  # the token's user is loaded from the database
        (f"/api/v1/shop/products/{product.pk}/", {}),
        ("/api/v1/polls/polls/", {}),
    ]

    slowest: dict[str, float] = {}

    def sweep(server: Server) -> list[tuple[str, int, bytes]]:
        answers = []
        for path, headers in reads:
            started = time.perf_counter()
            response = server.request("GET", path, headers=headers)
            elapsed = time.perf_counter() - started
            slowest[server.kind] = max(slowest.get(server.kind, 0.0), elapsed)
            answers.append((path, response.status, response.body))
        return answers

    for server in servers.values():  # every server holds connections now
        assert all(status == 200 for _, status, _ in sweep(server))
    slowest.clear()

    tried = failed = terminated = 0
    failures = []
    for _ in range(ROUNDS):
        terminated += terminate_app_connections()
        for name, server in servers.items():
            for path, status, body in sweep(server):
                tried += 1
                if status != 200:
                    failed += 1
                    failures.append(f"{name} GET {path}: {status} {body[:200]!r}")
    record(
        f"PostgreSQL connections terminated (pg_terminate_backend), {ROUNDS} rounds",
        requests=tried,
        errors=failed,
        note=f"{terminated} server connections terminated; gunicorn gthread with "
        "CONN_MAX_AGE, gunicorn uvicorn-worker with the psycopg pool; slowest request "
        + ", ".join(f"{kind} {seconds * 1000:.0f} ms" for kind, seconds in slowest.items()),
    )
    assert terminated >= ROUNDS * len(servers)
    assert not failures, "\n".join(failures)
    ready = json.loads(servers["gunicorn-wsgi"].request("GET", "/health/ready/").body)
    assert ready["checks"]["database"]["status"] == "ok"
