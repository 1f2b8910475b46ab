"""A circuit breaker in front of Redis, shared by every Redis client of a process.

Redis is an accelerator here: the cache, throttle counters, social feeds and stream
wake-ups all degrade to the database or to polling when it fails. What hurts is the
wait: a Redis that stops answering (a hung process, a host gone from the network)
costs every command its socket timeout (``REDIS_SOCKET_TIMEOUT``, 0.5 s), and a
request makes several Redis calls. So after one connection failure (refused, reset,
timed out) the breaker opens for ``REDIS_BREAKER_SECONDS``: every command to that
server fails at once with ``CircuitOpen`` (a ``redis.ConnectionError``, so the callers'
existing fallbacks apply unchanged) without touching the network. After the cool-down
the next commands try again; a failure opens it for another cool-down, a success keeps
it closed. ``REDIS_BREAKER_SECONDS=0`` turns it off.

It lives in the connection class (``BreakerConnection``), so it covers every client
built with ``connection_class_for(url)``: django-redis through ``ConnectionFactory``
(``CACHES["default"]["OPTIONS"]["CONNECTION_FACTORY"]``), and ``redis_client()`` for
code that talks to Redis directly (social feeds, stream publishing). One breaker per
server address and process: all clients of a process learn from one failure.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import redis
from django.conf import settings
from django_redis.pool import ConnectionFactory as DjangoRedisConnectionFactory
from redis.connection import (
    Connection,
    ConnectionPool,
    SSLConnection,
    UnixDomainSocketConnection,
)

logger = logging.getLogger(__name__)

# What says "the server is not answering" (a Redis error reply does not).
FAILURES: tuple[type[BaseException], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    socket.timeout,
    OSError,
)


class CircuitOpen(redis.ConnectionError):
    """Redis was skipped: it failed moments ago and its cool-down has not passed."""


class CircuitBreaker:
    """Open for ``cooldown`` seconds after a failure; closed otherwise."""

    def __init__(self, name: str, cooldown: float | None = None) -> None:
        self.name = name
        self._cooldown = cooldown
        self.open_until = 0.0  # time.monotonic() before which calls are skipped
        self.failures = 0  # failures seen (tests, logs)
        self.skipped = 0  # calls refused while open

    @property
    def cooldown(self) -> float:
        if self._cooldown is not None:
            return self._cooldown
        return float(getattr(settings, "REDIS_BREAKER_SECONDS", 5.0))

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def check(self) -> None:
        """Raise ``CircuitOpen`` while the breaker is open."""
        remaining = self.open_until - time.monotonic()
        if remaining > 0:
            self.skipped += 1
            raise CircuitOpen(
                f"Redis at {self.name} skipped for {remaining:.1f}s more: it failed moments ago"
            )

    def failure(self, exc: BaseException) -> None:
        self.failures += 1
        cooldown = self.cooldown
        if cooldown <= 0:
            return
        was_open = self.open_until > 0
        self.open_until = time.monotonic() + cooldown
        if not was_open:
            logger.warning(
                "Redis at %s failed (%s: %s); skipping it for %.1fs at a time until it answers",
                self.name,
                type(exc).__name__,
                exc,
                cooldown,
            )

    def success(self) -> None:
        if self.open_until:
            self.open_until = 0.0
            logger.warning("Redis at %s answers again", self.name)

    def reset(self) -> None:
        self.open_until = 0.0
        self.failures = 0
        self.skipped = 0


_breakers: dict[str, CircuitBreaker] = {}
_lock = threading.Lock()


def breaker_for(name: str) -> CircuitBreaker:
    """The process's breaker for the Redis server at ``name`` (``host:port`` or a path)."""
    breaker = _breakers.get(name)
    if breaker is None:
        with _lock:
            breaker = _breakers.setdefault(name, CircuitBreaker(name))
    return breaker


def reset_breakers() -> None:
    """Close every breaker (tests that restart Redis)."""
    for breaker in list(_breakers.values()):
        breaker.reset()


if TYPE_CHECKING:
    from redis.connection import AbstractConnection

    # What the mixin is mixed into, so its ``super()`` calls are typed.
    _ConnectionBase = AbstractConnection
else:
    _ConnectionBase = object


class _BreakerMixin(_ConnectionBase):
    """Checks the breaker before talking to the server and reports how it went (mixed
    into redis' connection classes, below)."""

    def _breaker(self) -> CircuitBreaker:
        path = getattr(self, "path", "")
        name = path if path else f"{getattr(self, 'host', '?')}:{getattr(self, 'port', '?')}"
        return breaker_for(name)

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_sock", None):
            return
        breaker = self._breaker()
        breaker.check()
        try:
            super().connect_check_health(*args, **kwargs)
        except FAILURES as exc:
            breaker.failure(exc)
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        breaker = self._breaker()
        if breaker.is_open():
            self.disconnect()  # type: ignore[no-untyped-call]  # unannotated in redis
            breaker.check()
        try:
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]  # unannotated in redis
        except FAILURES as exc:
            breaker.failure(exc)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        breaker = self._breaker()
        try:
            response = super().read_response(*args, **kwargs)
        except FAILURES as exc:
            breaker.failure(exc)
            raise
        breaker.success()
        return response


class BreakerConnection(_BreakerMixin, Connection):
    pass


class BreakerSSLConnection(_BreakerMixin, SSLConnection):
    pass


class BreakerUnixConnection(_BreakerMixin, UnixDomainSocketConnection):
    pass


def connection_class_for(url: str) -> type[Connection] | type[UnixDomainSocketConnection]:
    """The breaker-guarded connection class for a ``redis://``, ``rediss://`` or
    ``unix://`` URL."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "rediss":
        return BreakerSSLConnection
    if scheme == "unix":
        return BreakerUnixConnection
    return BreakerConnection


def redis_client(url: str, **kwargs: Any) -> redis.Redis:
    """A ``redis.Redis`` for ``url`` whose connections go through the breaker."""
    return redis.Redis.from_url(url, connection_class=connection_class_for(url), **kwargs)


class ConnectionFactory(DjangoRedisConnectionFactory):
    """django-redis' factory, with breaker-guarded connections (set as the cache's
    ``OPTIONS["CONNECTION_FACTORY"]``)."""

    def get_connection_pool(self, params: dict[str, Any]) -> ConnectionPool:
        params = {"connection_class": connection_class_for(params["url"]), **params}
        return super().get_connection_pool(params)
