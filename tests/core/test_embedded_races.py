"""The embedded default takes concurrent writes: the races the PostgreSQL suites run in
threads, sent from threads to a real `make run` server on a fresh SQLite file (the
``embedded`` server of tests/core/conftest.py), with exact outcomes and not one 5xx:

- twenty registrations at once, then the last five units of a product among them;
- one ``Idempotency-Key`` from ten threads; ten cancels of one order;
- one voter voting from ten threads; one candidate applying from ten threads;
- fifteen likes of one post at once, and one account liking and unliking at once.

Then a write that cannot get the lock in time: a second `make run` server on the same
file with a short busy timeout, while the test holds SQLite's write lock, answers 503
``database_busy`` with Retry-After over REST and GraphQL, goes on serving reads (WAL),
and writes again once the lock is free.

Before the fix (deferred transactions, no WAL), the same probe drew dozens of 500s,
all "database is locked"."""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import uuid
from collections import Counter
from typing import Any

import pytest

from tests.core.live_servers import Server, start_embedded
from tests.helpers import race, raised

# Every request comes from an address of its own where the auth throttle (10 a minute
# per address) would otherwise count it: 127.0.1.1, 127.0.1.2, ...
_addresses = (f"127.0.{1 + n // 250}.{1 + n % 250}" for n in itertools.count())
WAIT = 60  # seconds a request may take: a write may wait its turn for the lock


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


class Api:
    """JSON over the wire to one server; every answer is kept, to check none was a 5xx."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.statuses: list[int] = []

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = self.server.request(
            method,
            path,
            body=None if body is None else json.dumps(body).encode(),
            headers=sent,
            source=next(_addresses),
            timeout=WAIT,
        )
        self.statuses.append(response.status)
        data = json.loads(response.body) if response.body else None
        return response.status, data, response

    def register(self, role: str | None = None) -> str:
        name = _unique("racer")
        status, body, _ = self.call(
            "POST",
            "/api/v1/auth/register/",
            {"username": name, "email": f"{name}@example.test", "password": "race-passphrase-42"}
            | ({"role": role} if role else {}),
        )
        assert status == 201, body
        return body["access"]

    def login(self, username: str, password: str) -> str:
        status, body, _ = self.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": password}
        )
        assert status == 200, body
        return body["access"]

    def product(self, stock: int) -> int:
        staff = self.login("demo_staff", "nexus-staff-demo")
        _, categories, _ = self.call("GET", "/api/v1/shop/categories/")
        rows = categories if isinstance(categories, list) else categories["results"]
        category = rows[0]["slug"]
        slug = _unique("race-")
        status, body, _ = self.call(
            "POST",
            "/api/v1/shop/products/",
            {
                "category": category,
                "name": f"Race {slug}",
                "slug": slug,
                "sku": slug.upper(),
                "price": "9.99",
                "stock": stock,
            },
            token=staff,
        )
        assert status == 201, body
        return body["id"]

    def stock(self, product: int) -> int:
        status, body, _ = self.call("GET", f"/api/v1/shop/products/{product}/")
        assert status == 200, body
        return body["stock"]


@pytest.fixture
def api(embedded_server):
    api = Api(embedded_server)
    yield api
    assert [status for status in api.statuses if status >= 500] == []


def _outcomes(results: list) -> Counter:
    assert raised(results) == []
    return Counter((status, (body or {}).get("code")) for status, body, _ in results)


def test_twenty_buyers_race_for_the_last_five_units(api):
    tokens = race(lambda _: api.register(), range(20))
    assert raised(tokens) == []
    product = api.product(stock=5)
    order = {"items": [{"product": product, "quantity": 1}]}

    outcomes = race(
        lambda token: api.call("POST", "/api/v1/shop/orders/", order, token=token), tokens
    )

    assert _outcomes(outcomes) == {(201, None): 5, (409, "insufficient_stock"): 15}
    assert api.stock(product) == 0
    buyers = [body["user"] for status, body, _ in outcomes if status == 201]
    assert len(set(buyers)) == 5


def test_one_idempotency_key_from_ten_threads_orders_once(api):
    token = api.register()
    product = api.product(stock=10)
    order = {"items": [{"product": product, "quantity": 2}]}
    key = {"Idempotency-Key": _unique("key-")}

    outcomes = race(
        lambda _: api.call("POST", "/api/v1/shop/orders/", order, token=token, headers=key),
        range(10),
    )

    counts = _outcomes(outcomes)
    assert set(counts) <= {(201, None), (409, "request_in_progress")}, counts
    created = {body["id"] for status, body, _ in outcomes if status == 201}
    assert len(created) == 1, outcomes
    for status, _, response in outcomes:
        if status == 409:
            assert int(response.header("Retry-After")) >= 1
    _, mine, _ = api.call("GET", "/api/v1/shop/orders/", token=token)
    assert [each["id"] for each in mine["results"]] == list(created)
    assert api.stock(product) == 8


def test_ten_cancels_of_one_order_return_its_units_once(api):
    token = api.register()
    product = api.product(stock=10)
    status, order, _ = api.call(
        "POST",
        "/api/v1/shop/orders/",
        {"items": [{"product": product, "quantity": 3}]},
        token=token,
    )
    assert status == 201, order
    assert api.stock(product) == 7

    outcomes = race(
        lambda _: api.call("POST", f"/api/v1/shop/orders/{order['id']}/cancel/", token=token),
        range(10),
    )

    assert _outcomes(outcomes) == {(200, None): 1, (409, "illegal_transition"): 9}
    assert api.stock(product) == 10


def test_one_voter_voting_from_ten_threads_counts_once(api):
    owner = api.register()
    status, poll, _ = api.call(
        "POST",
        "/api/v1/polls/polls/",
        {"question": "Which?", "options": ["A", "B", "C"], "results_visibility": "always"},
        token=owner,
    )
    assert status == 201, poll
    options = [option["id"] for option in poll["options"]]
    voter = api.register()

    outcomes = race(
        lambda n: api.call(
            "POST",
            f"/api/v1/polls/polls/{poll['id']}/vote/",
            {"options": [options[n % 3]]},
            token=voter,
        ),
        range(10),
    )

    assert _outcomes(outcomes) == {(201, None): 1, (409, "already_voted"): 9}
    _, results, _ = api.call("GET", f"/api/v1/polls/polls/{poll['id']}/results/", token=owner)
    assert results["total_votes"] == 1
    assert sorted(option["votes"] for option in results["options"]) == [0, 0, 1]


def test_one_candidate_applying_from_ten_threads_applies_once(api):
    candidate = api.register(role="candidate")
    _, jobs, _ = api.call("GET", "/api/v1/jobs/jobs/")
    job = jobs["results"][0]["id"]

    outcomes = race(
        lambda _: api.call(
            "POST",
            f"/api/v1/jobs/jobs/{job}/apply/",
            {"cover_letter": "Hello"},
            token=candidate,
        ),
        range(10),
    )

    assert _outcomes(outcomes) == {(201, None): 1, (409, "already_applied"): 9}
    _, mine, _ = api.call("GET", "/api/v1/jobs/applications/", token=candidate)
    assert [application["job"]["id"] for application in mine["results"]] == [job]


def test_likes_and_unlikes_at_once_keep_the_count_exact(api):
    author = api.register()
    status, post, _ = api.call("POST", "/api/v1/social/posts/", {"content": "race"}, token=author)
    assert status == 201, post
    like = f"/api/v1/social/posts/{post['id']}/like/"
    fans = race(lambda _: api.register(), range(15))
    assert raised(fans) == []

    liked = race(lambda fan: api.call("POST", like, token=fan), fans + fans)  # each twice

    assert {status for status, _, _ in liked} <= {200, 201}, liked
    _, read, _ = api.call("GET", f"/api/v1/social/posts/{post['id']}/")
    assert read["like_count"] == 15

    toggler = api.register()
    toggled = race(
        lambda n: api.call("POST" if n % 2 else "DELETE", like, token=toggler), range(10)
    )

    assert raised(toggled) == []
    assert {status for status, _, _ in toggled} <= {200, 201, 204}, toggled
    _, seen, _ = api.call("GET", f"/api/v1/social/posts/{post['id']}/", token=toggler)
    assert seen["like_count"] == 15 + seen["viewer_has_liked"]


# --- the lock cannot be had ------------------------------------------------------------


@pytest.fixture
def impatient(embedded, tmp_path):
    """A second `make run` server on the embedded server's SQLite file, whose writes wait
    0.5 s for the lock."""
    _, database, _ = embedded
    with contextlib.contextmanager(start_embedded)(
        tmp_path, {"SQLITE_BUSY_TIMEOUT": "0.5"}, database=database
    ) as server:
        yield Api(server), database


@contextlib.contextmanager
def write_lock(database):
    """SQLite's write lock, held by another connection (waiting for it if a server
    holds it now)."""
    holder = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(impatient):
    api, database = impatient
    token = api.register()
    status, post, _ = api.call("POST", "/api/v1/social/posts/", {"content": "busy"}, token=token)
    assert status == 201, post
    like = f"/api/v1/social/posts/{post['id']}/like/"
    mutation = {"query": "mutation($id: ID!) { likePost(postId: $id) { post { likeCount } } }"}
    mutation["variables"] = {"id": str(post["id"])}

    with write_lock(database):
        rest = api.call("POST", like, token=token)
        graphql = api.call("POST", "/graphql/", mutation, token=token)
        read = api.call("GET", f"/api/v1/social/posts/{post['id']}/", token=token)

    status, body, response = rest
    assert status == 503, body
    assert response.header("Content-Type") == "application/problem+json"
    assert (body["code"], body["type"]) == ("database_busy", "/problems/database_busy/")
    assert response.header("Retry-After") == "1"
    status, body, response = graphql
    assert status == 503, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["database_busy"]
    assert response.header("Retry-After") == "1"
    # Reads go on beside the held lock (WAL), and nothing was written.
    assert read[0] == 200, read
    assert read[1]["like_count"] == 0

    # Once the lock is free the same write goes through.
    status, body, _ = api.call("POST", like, token=token)
    assert status in (200, 201), body
    _, read, _ = api.call("GET", f"/api/v1/social/posts/{post['id']}/", token=token)
    assert read["like_count"] == 1
    api.statuses.clear()  # the 503s above were the point
