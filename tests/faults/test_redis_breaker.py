"""core.cache.breaker against a real Redis that the test hangs (SIGSTOP) and resumes: after
one failure every client of the process skips Redis for the cool-down instead of
waiting out a socket timeout per command, and uses it again once it answers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches

from core.cache.breaker import CircuitOpen, breaker_for, redis_client, reset_breakers
from tests.faults.redis_server import RedisServer

pytestmark = pytest.mark.services

TIMEOUT = 0.3  # socket timeout of the clients below: what a hung Redis costs per command


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    reset_breakers()
    yield server
    server.stop()
    reset_breakers()


def timed(call) -> tuple[float, BaseException | None]:
    started = time.perf_counter()
    try:
        call()
    except Exception as exc:
        return time.perf_counter() - started, exc
    return time.perf_counter() - started, None


def test_a_hung_redis_costs_one_timeout_then_is_skipped_until_it_answers(own_redis, settings):
    settings.REDIS_BREAKER_SECONDS = 1.0
    client = redis_client(own_redis.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    assert client.set("k", "v")
    assert client.get("k") == b"v"

    own_redis.hang()
    first, error = timed(lambda: client.get("k"))
    assert isinstance(error, redis.TimeoutError)
    assert first >= TIMEOUT * 0.9  # the one wait: the breaker learns from it

    waits = [timed(lambda: client.get("k")) for _ in range(20)]
    assert all(isinstance(error, CircuitOpen) for _, error in waits)  # skipped: no network
    # Without the breaker these 20 waits add up to 20 timeouts (6 s); with it, to
    # microseconds, under the one timeout even when a busy machine stalls the test a while.
    assert sum(elapsed for elapsed, _ in waits) < TIMEOUT
    # Another client of the same server in this process learns from the same failure.
    other = redis_client(own_redis.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    assert isinstance(timed(lambda: other.get("k"))[1], CircuitOpen)

    own_redis.resume()
    time.sleep(1.05)  # the cool-down
    assert client.get("k") == b"v"
    assert not breaker_for(f"127.0.0.1:{own_redis.port}").is_open()


def test_without_the_breaker_every_command_waits_its_timeout(own_redis, settings):
    settings.REDIS_BREAKER_SECONDS = 0  # off: what every command paid before
    client = redis_client(own_redis.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    assert client.ping()
    own_redis.hang()
    waits = [timed(lambda: client.get("k")) for _ in range(3)]
    assert all(isinstance(error, redis.TimeoutError) for _, error in waits)
    assert min(elapsed for elapsed, _ in waits) >= TIMEOUT * 0.9


def test_the_django_cache_goes_through_the_breaker(own_redis, settings):
    """The shipped CACHES options (config.settings) with this test's Redis: a hung
    Redis turns cache reads into fast misses once the breaker has opened."""
    if not django_settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        pytest.fail("the suite runs with REDIS_URL set (config.settings.test)")
    settings.REDIS_BREAKER_SECONDS = 1.0
    shipped = django_settings.CACHES["default"]
    settings.CACHES = {
        **django_settings.CACHES,
        "faults": {
            **shipped,
            "LOCATION": own_redis.url,
            "OPTIONS": {**shipped["OPTIONS"], "SOCKET_TIMEOUT": TIMEOUT},
        },
    }
    cache = caches["faults"]
    cache.set("answer", 42)
    assert cache.get("answer") == 42

    own_redis.hang()
    first, _ = timed(lambda: cache.get("answer"))
    assert first >= TIMEOUT * 0.9
    breaker = breaker_for(f"127.0.0.1:{own_redis.port}")
    skipped, started = breaker.skipped, time.perf_counter()
    misses = [cache.get("answer") for _ in range(50)]
    assert misses == [None] * 50  # a miss: callers load from the database
    # Skipped without touching the network (all 50, or 49 if a stall on a busy machine
    # outlasted the 1 s cool-down and one read tried Redis again), so 50 reads cost far
    # less than the 50 timeouts (15 s) they would wait without the breaker.
    assert breaker.skipped - skipped >= 49
    assert time.perf_counter() - started < 5 * TIMEOUT

    own_redis.resume()
    time.sleep(1.05)
    assert cache.get("answer") == 42
