"""Redis unavailable, seen by a real server process (gunicorn, gthread: the production
web command) whose Redis is one this module starts, stops, hangs and restarts.

- Every read operation of the OpenAPI schema (so a new one is covered as soon as it
  exists; the SSE stream, ``x-nexus-stream``, has its own fallback tests in
  tests/polls/test_stream.py) and the social feed through GraphQL, as every identity,
  on the seeded objects of every domain: the answer with Redis stopped is the answer
  Redis served (same status, same body), and nothing is a 5xx.
- Feeds, poll results and recommendations come from the database while Redis is away:
  writes made during the outage show at once, and are not hidden by stale cache
  entries when a hung Redis comes back with its old data.
- A hung Redis (accepts connections, answers nothing) costs a feed read one socket
  timeout per cool-down (core.cache.breaker), not several timeouts per read.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from tests.core.live_servers import Server
from tests.faults.figures import record
from tests.faults.redis_server import RedisServer
from tests.faults.servers import live_servers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BREAKER_SECONDS = 2.0  # the servers' cool-down (shipped default: 5 s)
# Query parameters an operation requires, with a value that finds seeded objects.
REQUIRED_QUERY = {"q": "Fuzz"}
# Operations whose body reports on Redis itself: only the status must hold.
REPORTS_ON_REDIS = {"/health/ready/", "/health/live/"}
_PARAMETER = re.compile(r"{(\w+)}")


@dataclass
class Live:
    on: Server  # the shipped configuration (breaker on)
    off: Server  # REDIS_BREAKER_SECONDS=0: what every read paid before the breaker
    redis: RedisServer


@pytest.fixture(scope="module")
def live(django_db_setup, tmp_path_factory) -> Iterator[Live]:
    own = RedisServer(tmp_path_factory.mktemp("redis")).start()
    env = {
        "REDIS_URL": own.url,
        "SOCIAL_FEED_REDIS_URL": own.url,
        "STREAMS_REDIS_URL": own.url,
        "CACHE_KEY_PREFIX": "nexus-faults-live",
        # Three passes over every operation as six identities: not a throttling test.
        "THROTTLE_ANON": "100000/min",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "CRITICAL",
    }
    specs = {
        "on": ("gunicorn-wsgi", {**env, "REDIS_BREAKER_SECONDS": str(BREAKER_SECONDS)}),
        "off": ("gunicorn-wsgi", {**env, "REDIS_BREAKER_SECONDS": "0"}),
    }
    try:
        with live_servers(specs, tmp_path_factory.mktemp("servers")) as servers:
            yield Live(servers["on"], servers["off"], own)
    finally:
        own.stop()


@pytest.fixture
def world(live):
    """The fuzzer's world (one user per role owning objects in every domain), plus a
    follow so the customer's feed holds someone else's post, and a fresh Redis."""
    from social.services import relationships
    from tests.fuzz.world import build_world

    if live.redis.process is None:
        live.redis.start()
    redis.Redis.from_url(live.redis.url).flushall()
    built = build_world()
    relationships.follow_create(user=built.users["customer"], username="fuzz-moderator")
    return built


def read_operations() -> list[str]:
    """Every GET path of the OpenAPI schema but the streams."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("x-nexus-stream"):
            continue
        required = [
            p["name"]
            for p in operation.get("parameters", [])
            if p.get("required") and p["in"] == "query"
        ]
        missing = [name for name in required if name not in REQUIRED_QUERY]
        assert not missing, f"{path} requires {missing}: add a value to REQUIRED_QUERY"
        query = "&".join(f"{name}={REQUIRED_QUERY[name]}" for name in required)
        paths.append(f"{path}?{query}" if query else path)
    return paths


def concrete(path: str, world) -> str:
    names = _PARAMETER.findall(path)
    if not names:
        return path
    ids = world.known_path(path)
    assert ids, f"no seeded object for {path}: add one to tests/fuzz/world.py (path_ids)"
    return _PARAMETER.sub(str(ids[0]), path, count=1)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def ask(server: Server, path: str, headers: dict[str, str]) -> Answer:
    response = server.request("GET", path, headers=headers)
    try:
        body: Any = json.loads(response.body)
    except ValueError:
        body = response.body
    if isinstance(body, dict):
        body.pop("request_id", None)  # problem details name the request: new each time
    return Answer(response.status, body)


def ask_graphql(server: Server, headers: dict[str, str]) -> Answer:
    """The social feed through GraphQL: the other way a client reads it."""
    from tests.social.factories import FEED

    body = json.dumps({"query": FEED, "variables": {"first": 20}}).encode()
    response = server.request(
        "POST", "/graphql/", body=body, headers={**headers, "Content-Type": "application/json"}
    )
    return Answer(response.status, json.loads(response.body))


def sweep(server: Server, cases: list[tuple[str, str, dict[str, str]]]) -> dict[str, Answer]:
    def one(case: tuple[str, str, dict[str, str]]) -> Answer:
        _, path, headers = case
        return ask_graphql(server, headers) if path == "/graphql/" else ask(server, path, headers)

    with ThreadPoolExecutor(4) as pool:  # the server's four threads
        answers = pool.map(one, cases)
        return {label: answer for (label, _, _), answer in zip(cases, answers, strict=True)}


def test_every_read_endpoint_answers_the_same_with_redis_stopped(live, world):
    cases = []
    for template in read_operations():
        path = concrete(template, world)
        for identity in world.identities():
            cases.append((f"GET {path} as {identity.name}", path, identity.headers))
    assert len(cases) >= 6 * 40, "the schema lost its read operations?"
    for identity in world.identities():
        cases.append((f"POST /graphql/ feed as {identity.name}", "/graphql/", identity.headers))

    sweep(live.on, cases)  # Redis up: loads and caches
    cached = sweep(live.on, cases)  # Redis up: what the cache serves
    live.redis.stop()
    fallback = sweep(live.on, cases)  # Redis gone: the database

    errors = [label for label, answer in {**cached, **fallback}.items() if answer.status >= 500]
    differ = []
    for label, _, _ in cases:
        up, down = cached[label], fallback[label]
        path = label.split()[1].split("?")[0]
        same = up.status == down.status and (path in REPORTS_ON_REDIS or up.body == down.body)
        if not same:
            differ.append(
                f"{label}: {up.status} {str(up.body)[:300]} / {down.status} {str(down.body)[:300]}"
            )
    ok = sum(1 for answer in fallback.values() if answer.status < 400)
    record(
        "Redis stopped: every GET operation and the GraphQL feed x 6 identities, gunicorn",
        requests=3 * len(cases),
        errors=len(errors) + len(differ),
        note=f"{len(cases) // 6} operations; {ok} of {len(cases)} answers 2xx/3xx while down, "
        "each identical to the cached one",
    )
    assert not errors, errors
    assert not differ, "\n".join(differ)
    # Readiness says the cache is down, and stays ready (Redis is not required).
    ready = ask(live.on, "/health/ready/", {})
    assert ready.status == 200
    assert ready.body["checks"]["cache"]["status"] == "down"


def token_headers(user) -> dict[str, str]:
    from rest_framework_simplejwt.tokens import RefreshToken

    return {
        "Authorization": f"Bearer {RefreshToken.for_user(user).access_token}",
        "Content-Type": "application/json",
    }


def post(server: Server, path: str, user, body: dict[str, Any]) -> Any:
    response = server.request(
        "POST", path, body=json.dumps(body).encode(), headers=token_headers(user)
    )
    assert response.status in (200, 201), (path, response.status, response.body[:500])
    return json.loads(response.body) if response.body else None


def get(server: Server, path: str, user=None) -> Any:
    response = server.request("GET", path, headers=token_headers(user) if user else {})
    assert response.status == 200, (path, response.status, response.body[:500])
    return json.loads(response.body)


def feed_ids(server: Server, user) -> list[int]:
    return [item["post"]["id"] for item in get(server, "/api/v1/social/feed/", user)["results"]]


def votes(server: Server, poll_id: int) -> dict[int, int]:
    results = get(server, f"/api/v1/polls/polls/{poll_id}/results/")
    return {option["id"]: option["votes"] for option in results["options"]}


def test_feeds_poll_results_and_recommendations_fall_back_to_the_database(live, world):
    from tests.polls.factories import option_ids

    server, users = live.on, world.users
    customer, moderator, staff = users["customer"], users["moderator"], users["staff"]
    poll = world.objects["poll"]
    options = option_ids(poll)
    # Redis up: the feed is built in Redis, results and recommendations are cached.
    before_feed = feed_ids(server, customer)
    before_votes = votes(server, poll.pk)
    recommendations = get(server, "/api/v1/movies/recommendations/", customer)

    live.redis.stop()
    new_post = post(server, "/api/v1/social/posts/", moderator, {"content": "Redis is down."})
    assert feed_ids(server, customer) == [new_post["id"], *before_feed]
    post(server, f"/api/v1/polls/polls/{poll.pk}/vote/", staff, {"option": options[1]})
    assert votes(server, poll.pk) == {**before_votes, options[1]: before_votes[options[1]] + 1}
    assert get(server, "/api/v1/movies/recommendations/", customer) == recommendations
    # A rating changes what is recommended: the database, not a stale copy, answers.
    assert recommendations["results"], "the world's customer has nothing recommended"
    rated = recommendations["results"][0]["movie"]["id"]
    post(server, "/api/v1/movies/ratings/", customer, {"movie": rated, "score": "1.0"})
    after = get(server, "/api/v1/movies/recommendations/", customer)
    assert rated not in [item["movie"]["id"] for item in after["results"]]  # rated: excluded
    record(
        "Redis stopped: feed, poll results, recommendations after writes",
        requests=9,
        errors=0,
        note="each read shows the write made during the outage (database fallback)",
    )


def test_a_hung_redis_that_comes_back_serves_no_stale_results(live, world):
    """SIGSTOP keeps Redis' data: a write during the hang could not bump its cache
    namespace, and the old entry must not be served once Redis answers again."""
    from tests.polls.factories import option_ids

    server, staff, poll = live.on, world.users["staff"], world.objects["poll"]
    options = option_ids(poll)
    store = redis.Redis.from_url(live.redis.url)
    pattern = f"*polls.results.{poll.pk}:snapshot:*"
    deadline = time.monotonic() + BREAKER_SECONDS + 2
    while True:  # the server's breaker may still be open from the previous test
        before = votes(server, poll.pk)
        if store.keys(pattern) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert store.keys(pattern), "the results were never cached"
    assert votes(server, poll.pk) == before  # now served from Redis

    live.redis.hang()
    try:
        post(server, f"/api/v1/polls/polls/{poll.pk}/vote/", staff, {"option": options[2]})
        during = votes(server, poll.pk)
    finally:
        live.redis.resume()
    expected = {**before, options[2]: before[options[2]] + 1}
    assert during == expected
    time.sleep(BREAKER_SECONDS + 0.2)  # the breaker lets Redis back in
    assert votes(server, poll.pk) == expected, "a stale cached snapshot came back"
    assert votes(server, poll.pk) == expected


def test_a_hung_redis_costs_a_feed_read_one_timeout_per_cooldown(live, world):
    customer = world.users["customer"]
    for server in (live.on, live.off):
        feed_ids(server, customer)  # built in Redis, connections pooled

    reads = 4
    timings: dict[str, list[float]] = {}
    live.redis.hang()
    try:
        for name, server in (("off", live.off), ("on", live.on)):
            timings[name] = []
            for _ in range(reads):
                started = time.perf_counter()
                ids = feed_ids(server, customer)
                timings[name].append(time.perf_counter() - started)
                assert ids, "the feed came back empty"
    finally:
        live.redis.resume()

    before, after = timings["off"], timings["on"]
    record(
        "Redis hung (SIGSTOP): social feed reads, gunicorn",
        requests=2 * reads,
        errors=0,
        note=f"without breaker mean {statistics.mean(before) * 1000:.0f} ms "
        f"(min {min(before) * 1000:.0f}); with breaker first {after[0] * 1000:.0f} ms, "
        f"then mean {statistics.mean(after[1:]) * 1000:.0f} ms",
    )
    assert min(before) >= 0.5  # each read waited at least one 0.5 s socket timeout
    # No wait for a 0.5 s timeout: Redis is skipped (the median, so that one read stalled
    # by a busy machine does not decide it; the sum below counts them all).
    assert statistics.median(after[1:]) < 0.45
    assert sum(after) < sum(before) / 3
