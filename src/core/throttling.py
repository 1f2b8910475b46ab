"""Rate limits. Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
(env-driven); counters live in the cache, so they are shared by every web
process when Redis is configured."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class AnonBurstThrottle(AnonRateThrottle):
    scope = "anon"


class UserBurstThrottle(UserRateThrottle):
    scope = "user"


class AuthIPThrottle(SimpleRateThrottle):
    """Per client IP, whoever is logged in: for login, refresh and registration,
    where the thing to slow down is guessing from one address."""

    scope = "auth"

    def get_cache_key(self, request, view):  # type: ignore[no-untyped-def]
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
