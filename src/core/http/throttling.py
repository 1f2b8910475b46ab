"""Rate limits. Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
(env-driven); counters live in the cache, so every web process shares them
when Redis is configured.

DRF's stock throttles keep a list of every request's timestamp in one cache
value and rewrite it on each request: O(requests in the window) per call,
and concurrent requests overwrite each other's entries, so a burst can get
past the limit. These use a sliding-window counter instead: one atomic
``INCR`` on the current window's key plus a read of the previous window's
count, weighted by how much of it still overlaps the sliding window. O(1),
exact under concurrency, and fails open (logged by django-redis) if the
cache is down. A refused request is not counted, and ``Retry-After`` says
when the next one will be let through.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from core.http.net import client_ip

if TYPE_CHECKING:  # DRF's settings import this module while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SlidingWindowThrottle(SimpleRateThrottle):
    cache = default_cache
    cache_format = "throttle:%(scope)s:%(ident)s"

    # Set by SimpleRateThrottle.__init__ (None without a rate), then by allow_request.
    num_requests: int | None
    duration: int | None
    previous: int
    window_start: int
    current: int

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
        current_key = f"{self.key}:{window}"
        current = self._count(current_key)
        if current is None:  # cache down (IGNORE_EXCEPTIONS): fail open
            return True
        self.previous = self.cache.get(f"{self.key}:{window - 1}") or 0
        self.window_start = window * duration
        elapsed = (self.now - self.window_start) / duration
        if self.previous * (1 - elapsed) + current <= limit:
            return True
        # Refused requests do not count, so Retry-After stays a promise.
        self.cache.decr(current_key)
        self.current = current - 1
        return False

    def _count(self, key: str) -> int | None:
        """Atomically add one to the window's counter: one round trip once it exists."""
        assert self.duration is not None  # allow_request runs only with a rate
        for _ in range(2):
            try:
                return self.cache.incr(key)  # atomic INCR; ValueError if the key is missing
            except ValueError:
                # First request of the window: create the counter with its expiry. If a
                # concurrent request created it first, add() is False and we INCR again.
                if self.cache.add(key, 1, timeout=self.duration * 2):
                    return 1
        return self.cache.incr(key)

    def wait(self) -> float | None:
        """Seconds until one more request is allowed, assuming no other arrives."""
        limit, duration = self.num_requests, self.duration
        # Called after allow_request refused, so with a rate.
        assert limit is not None
        assert duration is not None
        into = self.now - self.window_start
        room = limit - self.current - 1
        if self.previous > 0 and room >= 0:
            # Later in this window, once the previous window's weight has decayed enough.
            fraction = 1 - room / self.previous
            return max(1, math.ceil(fraction * duration - into))
        # In the next window, where this one's count decays from full weight.
        fraction = max(0.0, 1 - (limit - 1) / self.current) if self.current > 0 else 0.0
        return max(1, math.ceil(duration - into + fraction * duration))


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
