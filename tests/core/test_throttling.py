"""The sliding-window throttle on the real Redis (one round trip per check, including
under concurrency) and on the in-process cache of ``make run`` (the same answers), and
the RateLimit headers its checks put on the responses."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache as redis_cache
from django.core.cache import caches
from django.db import connections
from django.test import RequestFactory
from rest_framework.request import Request

from core.cache.breaker import _BreakerMixin
from core.http.throttling import AuthIPThrottle, SlidingWindowThrottle, rate_limits
from tests.core.factories import UserFactory
from tests.core.redis_commands import redis_commands
from tests.helpers import client_for

RATE_LIMIT = re.compile(r'"(?P<policy>\w+)";r=(?P<r>\d+);t=(?P<t>\d+)')


@pytest.fixture(params=["redis", "in-process"])
def cache(request, settings):
    """The cache the throttles count in: the suite's Redis, or the in-process cache
    ``make run`` uses without REDIS_URL."""
    if request.param == "redis":
        return redis_cache
    settings.CACHES = {
        **django_settings.CACHES,
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    local = caches["local"]
    local.clear()
    return local


def make_throttle(rate: str, now: float, cache=redis_cache) -> AuthIPThrottle:
    throttle = AuthIPThrottle()
    throttle.cache = cache
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = lambda: now
    return throttle


def request_from(ip: str) -> Request:
    return Request(RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=ip))


def test_allows_exactly_the_limit_then_refuses_with_a_wait(cache):
    now = 1_000_000 * 60 + 10.0  # 10 s into a minute window
    throttles = [make_throttle("3/min", now, cache) for _ in range(4)]
    outcomes = [throttle.allow_request(request_from("10.0.0.1"), None) for throttle in throttles]
    refused = throttles[-1]

    assert outcomes == [True, True, True, False]
    wait = refused.wait()
    # Retry-After is a promise: one second early is refused, on time is let through.
    early = make_throttle("3/min", now + wait - 1, cache)
    assert early.allow_request(request_from("10.0.0.1"), None) is False
    assert make_throttle("3/min", now + wait, cache).allow_request(request_from("10.0.0.1"), None)
    # Another address has its own budget.
    assert make_throttle("3/min", now, cache).allow_request(request_from("10.0.0.2"), None)


def test_refused_requests_do_not_extend_the_wait(cache):
    now = 3_000_000 * 60 + 30.0
    for _ in range(2):
        make_throttle("2/min", now, cache).allow_request(request_from("10.0.0.4"), None)
    first = make_throttle("2/min", now, cache)
    assert first.allow_request(request_from("10.0.0.4"), None) is False
    for _ in range(10):  # a client hammering while refused
        make_throttle("2/min", now + 1, cache).allow_request(request_from("10.0.0.4"), None)

    later = make_throttle("2/min", now + first.wait(), cache)
    assert later.allow_request(request_from("10.0.0.4"), None) is True


def test_previous_window_weighs_in_and_decays(cache):
    start = 2_000_000 * 60.0
    for _ in range(4):  # 4 requests at the very end of the previous window (limit 4)
        make_throttle("4/min", start - 1, cache).allow_request(request_from("10.0.0.3"), None)

    early = make_throttle("4/min", start + 6, cache)  # 10% in: previous weighs 0.9 * 4 = 3.6
    assert early.allow_request(request_from("10.0.0.3"), None) is False
    late = make_throttle("4/min", start + 45, cache)  # 75% in: previous weighs 1.0
    assert late.allow_request(request_from("10.0.0.3"), None) is True


def test_each_check_reports_what_is_left_and_when_more_comes(cache):
    start = 4_000_000 * 60.0
    for _ in range(7):  # the previous window: 7 of 10
        make_throttle("10/min", start - 30, cache).allow_request(request_from("10.0.0.5"), None)
    request = request_from("10.0.0.5")

    # 15 s in: the previous window weighs 0.75 * 7 = 5.25, plus this request: 3.75 left.
    assert make_throttle("10/min", start + 15, cache).allow_request(request, None)
    [limit] = rate_limits(request._request)

    assert (limit.policy, limit.quota, limit.window, limit.remaining) == ("auth", 10, 60, 3)
    # A fourth more fits once the previous window weighs 5 or less: 2/7 of the way in,
    # 17.1 s, so in 3 s (whole seconds, rounded up).
    assert limit.reset == 3
    for _ in range(3):
        assert make_throttle("10/min", start + 15, cache).allow_request(request, None)
    assert not make_throttle("10/min", start + 17, cache).allow_request(request, None)
    assert make_throttle("10/min", start + 15 + limit.reset, cache).allow_request(request, None)


def test_a_refused_check_reports_nothing_left_until_retry_after(cache):
    now = 5_000_000 * 60 + 20.0
    for _ in range(2):
        make_throttle("2/min", now, cache).allow_request(request_from("10.0.0.6"), None)
    refused = make_throttle("2/min", now, cache)
    request = request_from("10.0.0.6")

    assert refused.allow_request(request, None) is False
    [limit] = rate_limits(request._request)
    assert (limit.remaining, limit.reset) == (0, refused.wait())


def test_one_round_trip_to_redis_per_check(monkeypatch):
    """The throttle reads both windows and counts the request in one script: one
    command sent and answered per check, allowed or refused, and no other read."""
    sent = []
    original = _BreakerMixin.send_packed_command

    def counting(connection, command, check_health=True):
        sent.append(command)
        return original(connection, command, check_health)

    now = 6_000_000 * 60 + 5.0
    make_throttle("3/min", now).allow_request(request_from("10.0.0.7"), None)  # loads it
    monkeypatch.setattr(_BreakerMixin, "send_packed_command", counting)
    outcomes = [
        make_throttle("3/min", now).allow_request(request_from("10.0.0.7"), None) for _ in range(5)
    ]

    assert outcomes == [True, True, False, False, False]
    assert len(sent) == 5
    assert all(b"EVALSHA" in b"".join(command) for command in sent)


def test_a_server_without_the_script_loads_it_once(monkeypatch):
    sent = []
    original = _BreakerMixin.send_packed_command
    redis_cache.client.get_client(write=True).script_flush()
    monkeypatch.setattr(
        _BreakerMixin,
        "send_packed_command",
        lambda connection, command, check_health=True: (
            sent.append(b"".join(command).split(b"\r\n")[2]),
            original(connection, command, check_health),
        )[1],
    )
    now = 7_000_000 * 60 + 5.0

    for _ in range(3):
        assert make_throttle("3/min", now).allow_request(request_from("10.0.0.8"), None)

    assert sent == [b"EVALSHA", b"EVAL", b"EVALSHA", b"EVALSHA"]


def test_a_redis_that_is_down_lets_requests_through_and_reports_nothing(settings, caplog):
    shipped = django_settings.CACHES["default"]
    settings.CACHES = {
        **django_settings.CACHES,
        "down": {**shipped, "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens there
    }
    request = request_from("10.0.0.9")

    outcomes = [
        make_throttle("1/min", 1_000.0, caches["down"]).allow_request(request, None)
        for _ in range(3)
    ]

    assert outcomes == [True, True, True]
    assert rate_limits(request._request) == []
    assert "Exception ignored" in caplog.text


def test_a_redis_error_is_raised_when_the_cache_does_not_ignore_them(settings):
    shipped = django_settings.CACHES["default"]
    options = {**shipped["OPTIONS"], "IGNORE_EXCEPTIONS": False}
    settings.CACHES = {
        **django_settings.CACHES,
        "strict": {**shipped, "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": options},
    }

    with pytest.raises(redis.ConnectionError):
        make_throttle("1/min", 1_000.0, caches["strict"]).allow_request(
            request_from("10.0.0.9"), None
        )


def test_concurrent_checks_cannot_exceed_the_limit(cache):
    now = 8_000_000 * 60 + 1.0

    def attempt(_: int) -> bool:
        return make_throttle("7/min", now, cache).allow_request(request_from("10.0.1.1"), None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(40)))

    assert outcomes.count(True) == 7


@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_cannot_exceed_the_limit(monkeypatch):
    """20 simultaneous attempts from one address against a limit of 5: exactly 5
    get through. DRF's list-based throttle lets racing requests overwrite each
    other's history and admits more."""
    monkeypatch.setattr(
        AuthIPThrottle, "THROTTLE_RATES", {**AuthIPThrottle.THROTTLE_RATES, "auth": "5/min"}
    )
    from rest_framework.test import APIClient

    def attempt(_: int) -> int:
        try:
            response = APIClient().post(
                "/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}, format="json"
            )
            return response.status_code
        finally:
            connections.close_all()  # each thread opened its own connection

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, range(20)))

    assert statuses.count(401) == 5  # let through, and refused for bad credentials
    assert statuses.count(429) == 15


# --- the headers -------------------------------------------------------------------------


def rate_limit_of(response) -> tuple[str, int, int]:
    match = RATE_LIMIT.fullmatch(response["RateLimit"])
    assert match, response["RateLimit"]
    return match["policy"], int(match["r"]), int(match["t"])


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**rates: str) -> None:
        monkeypatch.setattr(
            SlidingWindowThrottle,
            "THROTTLE_RATES",
            {**SlidingWindowThrottle.THROTTLE_RATES, **rates},
        )

    return set_rates


@pytest.fixture
def fifteen_seconds_into_a_window(monkeypatch):
    monkeypatch.setattr(SlidingWindowThrottle, "timer", lambda self: 9_000_000 * 60 + 15.0)


@pytest.mark.django_db
@pytest.mark.usefixtures("fifteen_seconds_into_a_window")
def test_anonymous_responses_say_the_policy_and_what_is_left(client, rates):
    rates(anon="5/min")

    responses = [client.get("/api/v1/shop/") for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert {r["RateLimit-Policy"] for r in responses} == {'"anon";q=5;w=60'}
    # After one request, 4 left: a fifth comes once that one has decayed away, at the
    # end of the next window (105 s). After two, 3 left: a fourth comes once they
    # weigh 1, half-way through the next window (75 s).
    assert [rate_limit_of(r) for r in responses] == [("anon", 4, 105), ("anon", 3, 75)]


@pytest.mark.django_db
def test_signed_in_responses_count_against_the_user_policy(auth_client, rates):
    rates(user="50/min")

    response = auth_client.get("/api/v1/shop/")

    assert response["RateLimit-Policy"] == '"user";q=50;w=60'
    assert rate_limit_of(response)[:2] == ("user", 49)


@pytest.mark.django_db
def test_a_429_carries_retry_after_and_the_rate_limit_headers(client, rates):
    rates(auth="2/min")
    body = {"username": "nobody", "password": "wrong"}

    statuses = [client.post("/api/v1/auth/token/", body).status_code for _ in range(2)]
    refused = client.post("/api/v1/auth/token/", body)

    assert statuses == [401, 401]
    assert refused.status_code == 429
    assert refused["RateLimit-Policy"] == '"auth";q=2;w=60'
    assert rate_limit_of(refused) == ("auth", 0, int(refused["Retry-After"]))


@pytest.mark.django_db
def test_graphql_responses_carry_the_headers_of_its_throttles(client, rates):
    rates(anon="9/min")

    response = client.post("/graphql/", {"query": "{ me { username } }"}, "application/json")

    assert response.status_code == 200
    assert response["RateLimit-Policy"] == '"anon";q=9;w=60'
    assert rate_limit_of(response)[:2] == ("anon", 8)


@pytest.mark.django_db
def test_an_unthrottled_response_has_no_rate_limit_headers(client):
    response = client.get("/health/live/")

    assert response.status_code == 200
    assert "RateLimit" not in response
    assert "RateLimit-Policy" not in response


@pytest.mark.django_db
def test_the_headers_come_from_the_checks_own_round_trip(client, rates, monkeypatch):
    """A request's only Redis command on its throttle's keys is the check's script:
    the headers are not read back afterwards."""
    rates(anon="5/min")
    client.get("/api/v1/shop/")  # the script is loaded
    commands: list[tuple] = []
    original = redis.Redis.execute_command

    def recording(self, *args, **options):
        commands.append(args)
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", recording)
    response = client.get("/api/v1/shop/")

    on_throttle_keys = [
        args[0] for args in commands if any(b"throttle:" in str(a).encode() for a in args[1:])
    ]
    assert on_throttle_keys == ["EVALSHA"]
    assert rate_limit_of(response)[:2] == ("anon", 3)


@pytest.mark.django_db
def test_the_schema_documents_the_headers_as_they_are_sent(client, rates):
    rates(auth="1/min")
    schema = client.get("/api/schema/?format=json").json()
    headers = schema["components"]["headers"]
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    body = {"username": "nobody", "password": "wrong"}

    sent = [client.post("/api/v1/auth/token/", body) for _ in range(2)]

    assert [response.status_code for response in sent] == [401, 429]
    assert set(token["200"]["headers"]) == {"RateLimit", "RateLimit-Policy"}
    assert set(token["429"]["headers"]) == {"RateLimit", "RateLimit-Policy", "Retry-After"}
    for response in sent:
        for name in ("RateLimit", "RateLimit-Policy"):
            assert re.fullmatch(headers[name]["schema"]["pattern"], response[name]), name


HOT_READS = {
    "me": lambda client: client.get("/api/v1/auth/me/"),
    "graphql me": lambda client: client.post(
        "/graphql/", {"query": "{ me { username roles } }"}, format="json"
    ),
    "notifications": lambda client: client.get("/api/v1/auth/notifications/"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("read", list(HOT_READS))
def test_a_signed_in_hot_read_is_two_round_trips_and_its_headers_come_from_them(rates, read):
    """With a warm token, the whole request talks to Redis twice: the user with its
    roles (one MGET) and the throttle (one script, whose answer the RateLimit headers
    say); nothing reads the counters back."""
    rates(user="50/min")
    client = client_for(UserFactory())
    assert HOT_READS[read](client).status_code == 200  # the script loaded, the user cached

    with redis_commands() as sent:
        response = HOT_READS[read](client)

    assert response.status_code == 200
    assert sorted(sent) == ["EVALSHA", "MGET"]
    assert response["RateLimit-Policy"] == '"user";q=50;w=60'
    assert rate_limit_of(response)[:2] == ("user", 48)
