"""PostgreSQL connections dropped under a running server: ``pg_terminate_backend`` on
every connection the app holds (what a failover, a restart or an idle-connection
reaper does). Served as production serves (gunicorn gthread on WSGI, with persistent
connections, ``CONN_MAX_AGE`` and ``CONN_HEALTH_CHECKS``; gunicorn with uvicorn
workers on ASGI with psycopg's pool, ``DATABASE_POOL=true``, whose connections Django
checks when it takes them from the pool):

- dropped between requests: the next request after the drop succeeds, and so does
  every one after it;
- dropped under writes in flight (orders and job applications sent from several
  threads): each write is a 201 or a 503 problem with ``Retry-After``, never a 500;
  no row is half-written (an order without its lines or its reserved stock, an
  application without its history) and every 201's object is there afterwards."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from tests.core.live_servers import Server
from tests.faults.figures import record
from tests.faults.servers import live_servers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 2


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory) -> Iterator[dict[str, Server]]:
    env = {
        "THROTTLE_ANON": "100000/min",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "CRITICAL",
        # The writers' orders stay unpaid: not a hoarding test.
        "SHOP_MAX_UNPAID_UNITS_PER_PRODUCT": "100000",
        "SHOP_MAX_UNPAID_UNITS": "100000",
    }
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


WRITERS = 6  # client threads, half placing orders and half applying to jobs
JOBS = 30  # more than an applicant sends before the writers stop (about 10)
STOCK = 100_000


@dataclass
class Write:
    server: str
    kind: str  # "order" or "application"
    status: int
    body: Any
    retry_after: str | None


def bearer(user) -> dict[str, str]:
    from rest_framework_simplejwt.tokens import RefreshToken

    return {
        "Authorization": f"Bearer {RefreshToken.for_user(user).access_token}",
        "Content-Type": "application/json",
    }


def test_writes_in_flight_when_the_connections_drop_are_whole_or_a_503(servers):
    from jobs.models import Application, ApplicationEvent
    from shop.models import Order, OrderLine, Product
    from tests.jobs.factories import candidate, make_company, make_job
    from tests.shop.factories import customer, make_category, make_product

    category = make_category("Dropped")
    first, second = (make_product(category, stock=STOCK, price=10) for _ in range(2))
    company = make_company()
    jobs = [make_job(company).pk for _ in range(JOBS)]
    writers = [customer() if index % 2 == 0 else candidate() for index in range(WRITERS)]
    headers = [bearer(user) for user in writers]  # tokens are written to the database
    order = {"items": [{"product": first.pk, "quantity": 1}, {"product": second.pk, "quantity": 2}]}
    names = list(servers)

    stop = threading.Event()
    writes: list[Write] = []

    def write(index: int) -> None:
        for n in range(JOBS):
            if stop.is_set():
                return
            name = names[(index + n) % len(names)]  # each writer alternates servers
            if index % 2 == 0:
                kind, path, body = "order", "/api/v1/shop/orders/", order
            else:
                kind, path, body = "application", f"/api/v1/jobs/jobs/{jobs[n]}/apply/", {}
            response = servers[name].request(
                "POST", path, body=json.dumps(body).encode(), headers=headers[index], timeout=30
            )
            try:
                answer = json.loads(response.body)
            except ValueError:
                answer = response.body[:300]
            writes.append(
                Write(name, kind, response.status, answer, response.header("Retry-After"))
            )

    waves = terminated = 0
    with ThreadPoolExecutor(WRITERS) as pool:
        running = [pool.submit(write, index) for index in range(WRITERS)]
        deadline = time.monotonic() + 30
        while len(writes) < 2 * WRITERS and time.monotonic() < deadline:
            time.sleep(0.01)  # the writers are under way
        # Waves of terminations under the writes, until some write was cut (at least 3).
        while waves < 3 or (waves < 20 and not any(w.status != 201 for w in writes)):
            terminated += terminate_app_connections()
            waves += 1
            time.sleep(0.15)
        time.sleep(0.3)  # writes after the last wave
        stop.set()
        for future in running:
            future.result()

    wrong = [w for w in writes if w.status not in (201, 503)]
    refused = [w for w in writes if w.status == 503]
    record(
        f"PostgreSQL connections terminated under writes in flight, {waves} waves",
        requests=len(writes),
        errors=len(wrong),
        note=f"{WRITERS} writers (orders, job applications) on both servers; "
        f"{terminated} connections terminated; {len(refused)} writes answered 503 "
        f"(service_unavailable, Retry-After), the others 201",
    )
    assert not wrong, "\n".join(f"{w.server} {w.kind}: {w.status} {w.body}" for w in wrong[:20])
    assert refused, "no write was in flight when the connections were dropped"
    for w in refused:  # the problem the client retries on
        assert w.retry_after == "1", w
        assert (w.body["status"], w.body["code"]) == (503, "service_unavailable"), w.body

    # Orders: each whole (its two lines, its total) and each unit reserved once.
    created = {w.body["id"] for w in writes if w.kind == "order" and w.status == 201}
    orders = Order.objects.filter(user__in=writers[0::2])
    assert created <= set(orders.values_list("pk", flat=True)), "an order answered 201 is lost"
    attempted = sum(1 for w in writes if w.kind == "order")
    assert len(created) <= orders.count() <= attempted
    lines = sorted(
        OrderLine.objects.filter(order__in=orders).values_list("order_id", "product_id", "quantity")
    )
    expected = sorted(
        (pk, product, quantity)
        for pk in orders.values_list("pk", flat=True)
        for product, quantity in ((first.pk, 1), (second.pk, 2))
    )
    assert lines == expected, "an order without its lines"
    assert set(orders.values_list("total", flat=True)) == {Decimal("30.00")}  # 1 x 10 + 2 x 10
    stock = dict(Product.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "stock"))
    assert stock == {first.pk: STOCK - orders.count(), second.pk: STOCK - 2 * orders.count()}
    # Applications: each with its one history row, the submission.
    created = {w.body["id"] for w in writes if w.kind == "application" and w.status == 201}
    applications = Application.objects.filter(candidate__in=writers[1::2])
    assert created <= set(applications.values_list("pk", flat=True)), "an application is lost"
    assert applications.count() <= sum(1 for w in writes if w.kind == "application")
    history = sorted(
        ApplicationEvent.objects.filter(application__in=applications).values_list(
            "application_id", "from_status", "to_status"
        )
    )
    assert history == sorted(
        (pk, "", "submitted") for pk in applications.values_list("pk", flat=True)
    )
    # And the servers took writes again once the connections were back.
    for name, server in servers.items():
        response = server.request(
            "POST", "/api/v1/shop/orders/", body=json.dumps(order).encode(), headers=headers[0]
        )
        assert response.status == 201, (name, response.status, response.body[:300])
