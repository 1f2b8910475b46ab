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
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from core.http.net import client_ip


class SlidingWindowThrottle(SimpleRateThrottle):
    cache = default_cache
    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_ident(self, request: Any) -> str:
        """The client address from ``core.http.net``: ``X-Forwarded-For`` is believed only
        from ``NEXUS_TRUSTED_PROXIES``, so rotating it does not escape a limit."""
        return client_ip(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True

        self.now = self.timer()
        window = int(self.now // self.duration)
        current_key = f"{self.key}:{window}"
        current = self._count(current_key)
        if current is None:  # cache down (IGNORE_EXCEPTIONS): fail open
            return True
        self.previous = self.cache.get(f"{self.key}:{window - 1}") or 0
        self.window_start = window * self.duration
        elapsed = (self.now - self.window_start) / self.duration
        if self.previous * (1 - elapsed) + current <= self.num_requests:
            return True
        # Refused requests do not count, so Retry-After stays a promise.
        self.cache.decr(current_key)
        self.current = current - 1
        return False

    def _count(self, key: str) -> int | None:
        """Atomically add one to the window's counter: one round trip once it exists."""
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

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserBurstThrottle(SlidingWindowThrottle):
    """Authenticated requests, per user."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # counted by AnonBurstThrottle
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AuthIPThrottle(SlidingWindowThrottle):
    """Per client IP, whoever is logged in: for login, refresh and registration,
    where the thing to slow down is guessing from one address."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _ViewScopedThrottle(SlidingWindowThrottle):
    """A limit named by the view's ``throttle_scope`` (e.g. ``poll_vote``); the rate is
    read per request, as DRF's ScopedRateThrottle does, from ``<scope><suffix>``."""

    suffix = ""

    def __init__(self) -> None:  # the scope is known only once the view is
        pass

    def allow_request(self, request: Any, view: Any) -> bool:
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

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScopedIPThrottle(_ViewScopedThrottle):
    """Per client IP whoever is signed in, at rate ``<scope>_ip``: bounds what one
    address does with many accounts (or many anonymous cookies)."""

    suffix = "_ip"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
