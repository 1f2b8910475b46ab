"""Rate limits. Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
(env-driven); counters live in the cache, so every web process shares them
when Redis is configured.

DRF's stock throttles keep a list of every request's timestamp in one cache
value and rewrite it on each request: O(requests in the window) per call,
and concurrent requests overwrite each other's entries, so a burst can get
past the limit. These use a sliding-window counter instead: the current
window's count plus the previous window's, weighted by how much of it still
overlaps the sliding window. On Redis one Lua script reads both counts and
adds the request only if it fits, in one round trip, atomically (exact under
concurrency); elsewhere (the in-process cache of ``make run``) the same
check runs under a lock. A refused request is not counted, and
``Retry-After`` says when the next one will be let through. With the cache
down (``IGNORE_EXCEPTIONS``, the breaker open) the check fails open, logged.

What a check saw is kept on the request (``RateLimit`` below) and sent on the
response by ``core.http.middleware.RateLimitHeadersMiddleware``, as the IETF
draft's structured fields (draft-ietf-httpapi-ratelimit-headers)::

    RateLimit-Policy: "anon";q=120;w=60, "poll_vote_ip";q=300;w=60
    RateLimit: "anon";r=87;t=41

one policy per throttle that counted the request (``q`` requests per ``w``
seconds, named by its scope) and, in ``RateLimit``, the most restrictive of
them: ``r`` requests left now, ``t`` seconds until more quota is available
(on a 429, ``Retry-After``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache as default_cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.throttling import SimpleRateThrottle

from core.http.net import client_ip

if TYPE_CHECKING:  # DRF's settings import this module while rest_framework.views loads
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# KEYS: this window's counter, the previous window's. ARGV: the limit, the previous
# window's weight (the share of it the sliding window still covers), the counter's
# lifetime in seconds. Returns {this window's count, previous count, 1 if counted}.
SLIDING_WINDOW_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current + 1 > tonumber(ARGV[1]) then
  return {current, previous, 0}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {current, previous, 1}
"""
_LUA_SHA = hashlib.sha1(SLIDING_WINDOW_LUA.encode(), usedforsecurity=False).hexdigest()
# What django-redis ignores under IGNORE_EXCEPTIONS (its client's _main_exceptions);
# CircuitOpen, the breaker's refusal, is a ConnectionError.
_REDIS_FAILURES = (RedisConnectionError, RedisTimeoutError, ResponseError, socket.timeout)
# The in-process cache is shared by the threads of one process only: a lock makes
# its read-check-increment atomic, as the script is on Redis.
_local_lock = threading.Lock()

RATE_LIMITS_ATTRIBUTE = "nexus_rate_limits"


@dataclass(frozen=True)
class RateLimit:
    """What one throttle's check found, as the RateLimit headers say it."""

    policy: str  # the throttle's scope, e.g. "anon"
    quota: int  # requests per window (q)
    window: int  # seconds (w)
    remaining: int  # requests that would still be let through now (r)
    reset: int  # seconds until more quota is available (t); on a refusal, Retry-After


def _http_request(request: Request | HttpRequest) -> Any:
    """The Django request under a DRF one: where the middleware will look."""
    return getattr(request, "_request", request)


def record_rate_limit(request: Request | HttpRequest, limit: RateLimit) -> None:
    target = _http_request(request)
    limits: dict[str, RateLimit] | None = getattr(target, RATE_LIMITS_ATTRIBUTE, None)
    if limits is None:
        limits = {}
        setattr(target, RATE_LIMITS_ATTRIBUTE, limits)
    limits[limit.policy] = limit  # checked twice: the last check is the current state


def rate_limits(request: HttpRequest) -> list[RateLimit]:
    """The limits the request was checked against, in the order they were checked."""
    limits: dict[str, RateLimit] = getattr(request, RATE_LIMITS_ATTRIBUTE, None) or {}
    return list(limits.values())


def rate_limit_headers(limits: list[RateLimit]) -> dict[str, str]:
    """``RateLimit-Policy`` naming every policy and ``RateLimit`` for the most
    restrictive (fewest requests left; then the longest wait); none without limits."""
    if not limits:
        return {}
    tightest = min(limits, key=lambda limit: (limit.remaining, -limit.reset))
    return {
        "RateLimit-Policy": ", ".join(
            f'"{limit.policy}";q={limit.quota};w={limit.window}' for limit in limits
        ),
        "RateLimit": f'"{tightest.policy}";r={tightest.remaining};t={tightest.reset}',
    }


def _redis_client(cache: Any) -> Any:
    """The redis-py client behind a django-redis cache (its primary); None for any
    other cache."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    return get_client(write=True) if callable(get_client) else None


class SlidingWindowThrottle(SimpleRateThrottle):
    cache = default_cache
    cache_format = "throttle:%(scope)s:%(ident)s"

    # Set by SimpleRateThrottle.__init__ (None without a rate), then by allow_request.
    num_requests: int | None
    duration: int | None
    now: float
    window_start: int
    current: int  # this window's count, this request included if it was let through
    previous: int  # the previous window's count

    def get_ident(self, request: Request) -> str:
        """The client address from ``core.http.net``: ``X-Forwarded-For`` is believed only
        from ``NEXUS_TRUSTED_PROXIES``, so rotating it does not escape a limit."""
        return client_ip(request)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True

        duration, limit = self.duration, self.num_requests
        # Parsed from the rate, which is set.
        assert duration is not None
        assert limit is not None
        self.now = self.timer()
        window = int(self.now // duration)
        self.window_start = window * duration
        # The share of the previous window the sliding window still covers.
        weight = 1 - (self.now - self.window_start) / duration
        counts = self._check(f"{self.key}:{window}", f"{self.key}:{window - 1}", limit, weight)
        if counts is None:  # cache down (IGNORE_EXCEPTIONS): fail open, nothing to report
            return True
        self.current, self.previous, allowed = counts
        remaining = max(0, math.floor(limit - self.current - self.previous * weight))
        if not allowed:
            remaining = 0
        reset = self._seconds_until_room_for(remaining + 1)
        policy = str(self.scope)  # set on every throttle with a rate
        record_rate_limit(request, RateLimit(policy, limit, duration, remaining, reset))
        return allowed

    def _check(
        self, current_key: str, previous_key: str, limit: int, weight: float
    ) -> tuple[int, int, bool] | None:
        """Count the request in this window if it fits: (this window's count, the
        previous window's, whether it was counted); None if the cache is down. One
        round trip on Redis."""
        assert self.duration is not None  # allow_request runs only with a rate
        ttl = self.duration * 2  # the window, then the one it weighs on
        client = _redis_client(self.cache)
        if client is None:
            return self._check_in_process(current_key, previous_key, limit, weight, ttl)
        keys = (self.cache.make_key(current_key), self.cache.make_key(previous_key))
        args = (limit, repr(weight), ttl)  # repr: the float Lua parses is this one
        try:
            try:
                result = client.evalsha(_LUA_SHA, 2, *keys, *args)
            except NoScriptError:  # the server has not run it yet, or flushed its scripts
                result = client.eval(SLIDING_WINDOW_LUA, 2, *keys, *args)
        except _REDIS_FAILURES:
            if not getattr(self.cache, "_ignore_exceptions", False):
                raise
            if getattr(self.cache, "_log_ignored_exceptions", False):
                getattr(self.cache, "logger", logger).exception(
                    "Exception ignored: throttle %s lets the request through", self.scope
                )
            return None
        current, previous, counted = result
        return int(current), int(previous), bool(counted)

    def _check_in_process(
        self, current_key: str, previous_key: str, limit: int, weight: float, ttl: int
    ) -> tuple[int, int, bool]:
        """The script's check on any other cache (the in-process one of ``make run``)."""
        with _local_lock:
            counts = self.cache.get_many([current_key, previous_key])
            current = int(counts.get(current_key) or 0)
            previous = int(counts.get(previous_key) or 0)
            if previous * weight + current + 1 > limit:
                return current, previous, False
            if current == 0:
                self.cache.set(current_key, 1, timeout=ttl)
                return 1, previous, True
            return self.cache.incr(current_key), previous, True

    def _seconds_until_room_for(self, requests: int) -> int:
        """Seconds until ``requests`` more would be let through, if no other arrives."""
        limit, duration = self.num_requests, self.duration
        assert limit is not None  # called from allow_request or after it, with a rate
        assert duration is not None
        into = self.now - self.window_start
        room = limit - self.current - requests
        if self.previous > 0 and room >= 0:
            # Later in this window, once the previous window's weight has decayed enough.
            fraction = 1 - room / self.previous
            return max(1, math.ceil(fraction * duration - into))
        # In the next window, where this one's count decays from full weight.
        fraction = 0.0
        if self.current > 0:
            fraction = min(1.0, max(0.0, 1 - (limit - requests) / self.current))
        return max(1, math.ceil(duration - into + fraction * duration))

    def wait(self) -> float | None:
        """Seconds until one more request is allowed, assuming no other arrives."""
        return self._seconds_until_room_for(1)


class AnonBurstThrottle(SlidingWindowThrottle):
    """Anonymous requests, per client IP."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserBurstThrottle(SlidingWindowThrottle):
    """Authenticated requests, per user."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # counted by AnonBurstThrottle
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AuthIPThrottle(SlidingWindowThrottle):
    """Per client IP, whoever is logged in: for login, refresh and registration,
    where the thing to slow down is guessing from one address."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _ViewScopedThrottle(SlidingWindowThrottle):
    """A limit named by the view's ``throttle_scope`` (e.g. ``poll_vote``); the rate is
    read per request, as DRF's ScopedRateThrottle does, from ``<scope><suffix>``."""

    suffix = ""

    def __init__(self) -> None:  # the scope is known only once the view is
        pass

    def allow_request(self, request: Request, view: APIView) -> bool:
        base = getattr(view, "throttle_scope", None)
        if not base:
            return True
        self.scope = f"{base}{self.suffix}"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ScopedUserThrottle(_ViewScopedThrottle):
    """Per signed-in user, at rate ``<scope>``. Anonymous requests are bounded by
    ``ScopedIPThrottle`` alone: a room of phones behind one router shares an address,
    and a per-"user" limit for them would be that address's limit again."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScopedIPThrottle(_ViewScopedThrottle):
    """Per client IP whoever is signed in, at rate ``<scope>_ip``: bounds what one
    address does with many accounts (or many anonymous cookies)."""

    suffix = "_ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
