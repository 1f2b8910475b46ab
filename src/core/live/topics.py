"""Live topics: publish "something changed" from sync code, on one process or many.

The shape, for a context that wants a live view of something (a poll's results):

- writers call ``publish_on_commit(topic)`` after a change. The message is only a
  wake-up: it carries no state, so a lost or duplicated one costs nothing. Nothing
  is published when nobody listens anywhere (Redis ``PUBSUB NUMSUB``; Mastodon's
  "subscribed:" check), so a vote on an unwatched poll pays one round trip.
- the backend carries the wake-ups: a Redis channel per topic, or the in-process
  registry of the embedded default. ``core.live.sse`` turns them into streams.

A topic's state travels as a ``Snapshot``; what a stream sends is an ``Event``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    import redis
    import redis.asyncio as aioredis
    from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

T = TypeVar("T")


# --- snapshots and events ---------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The state of a topic at one moment. ``key`` identifies it (two loads with the
    same key are the same state and are not re-sent); ``final`` ends every stream
    after it; ``refresh_at`` (epoch seconds) asks for a reload then even if nothing is
    published, for state that changes with time (a poll closing at its deadline)."""

    key: Hashable
    data: Any
    final: bool = False
    refresh_at: float | None = None


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event."""

    data: str
    id: str | None = None
    event: str | None = None

    def encode(self) -> bytes:
        lines = []
        if self.event:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        lines.extend(f"data: {line}" for line in self.data.split("\n"))
        return ("\n".join(lines) + "\n\n").encode()


# --- backends ---------------------------------------------------------------------


class Listener(Protocol):
    def notify(self) -> None: ...

    def set_degraded(self, degraded: bool) -> None: ...


class Backend(Protocol):
    def publish(self, topic: str) -> bool: ...

    async def subscribe(self, topic: str, listener: Listener) -> None: ...

    async def unsubscribe(self, topic: str, listener: Listener) -> None: ...


class MemoryBackend:
    """The embedded default: listeners in this process only (``make run`` is one
    process). ``publish`` may be called from any thread."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[tuple[asyncio.AbstractEventLoop, Listener]]] = {}

    def publish(self, topic: str) -> bool:
        listeners = list(self._listeners.get(topic, ()))
        for loop, listener in listeners:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(listener.notify)
        return bool(listeners)

    async def subscribe(self, topic: str, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        self._listeners.setdefault(topic, set()).add((loop, listener))

    async def unsubscribe(self, topic: str, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        entries = self._listeners.get(topic)
        if entries is not None:
            entries.discard((loop, listener))
            if not entries:
                del self._listeners[topic]


class RedisBackend:
    """Redis pub/sub: a publish on any process reaches listeners on every other.

    One subscriber connection per process (per event loop), shared by every topic
    with local listeners; a reader task dispatches messages and, when Redis goes away,
    marks every listener degraded (they poll) and resubscribes once it is back.
    Publishing uses a small synchronous client with short timeouts; a Redis error
    there is logged and the write it follows is unaffected.
    """

    def __init__(self, url: str, channel_prefix: str = "nexus:stream:") -> None:
        self.url = url
        self.channel_prefix = channel_prefix
        self._sync_client: redis.Redis | None = None
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _RedisLoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _channel(self, topic: str) -> str:
        return self.channel_prefix + topic

    def _sync(self) -> redis.Redis:
        if self._sync_client is None:
            from core.cache.breaker import redis_client

            # Behind the breaker: a write whose publish would wait on a hung Redis
            # does not wait again until the cool-down has passed.
            self._sync_client = redis_client(
                self.url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
        return self._sync_client

    def publish(self, topic: str) -> bool:
        channel = self._channel(topic)
        try:
            client = self._sync()
            (_, listening), *_ = client.pubsub_numsub(channel)
            if not listening:
                return False
            return bool(client.publish(channel, b"1"))
        except Exception as exc:  # the write has committed; listeners will poll
            logger.warning("stream publish to %s failed: %s", topic, exc)
            return False

    def _state(self) -> _RedisLoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _RedisLoopState(self)
        return state

    async def subscribe(self, topic: str, listener: Listener) -> None:
        await self._state().add(self._channel(topic), listener)

    async def unsubscribe(self, topic: str, listener: Listener) -> None:
        await self._state().remove(self._channel(topic), listener)


class _RedisLoopState:
    """The subscriber connection and reader task of one event loop."""

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.listeners: dict[str, set[Listener]] = {}
        self.client: aioredis.Redis | None = None
        self.pubsub: PubSub | None = None
        self.reader: asyncio.Task[None] | None = None
        self.healthy = False
        self.lock = asyncio.Lock()

    async def _connect(self) -> None:
        import redis.asyncio as aioredis

        if self.client is None:
            self.client = aioredis.Redis.from_url(
                self.backend.url, socket_connect_timeout=0.5, health_check_interval=15
            )
        if self.pubsub is not None:  # a half-broken one from before the loss
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        channels = list(self.listeners)
        if channels:
            await self.pubsub.subscribe(*channels)
        self.healthy = True

    async def add(self, channel: str, listener: Listener) -> None:
        async with self.lock:
            first = channel not in self.listeners
            self.listeners.setdefault(channel, set()).add(listener)
            if self.healthy and first:
                try:
                    await self._subscriber().subscribe(channel)
                except Exception as exc:
                    self._lost(exc)
            if not self.healthy:
                listener.set_degraded(True)
            if self.reader is None or self.reader.done():
                self.reader = asyncio.get_running_loop().create_task(self._read())

    async def remove(self, channel: str, listener: Listener) -> None:
        async with self.lock:
            entries = self.listeners.get(channel)
            if entries is None:
                return
            entries.discard(listener)
            if entries:
                return
            del self.listeners[channel]
            if self.healthy:
                try:
                    await self._subscriber().unsubscribe(channel)
                except Exception as exc:
                    self._lost(exc)

    def _subscriber(self) -> PubSub:
        """The subscriber connection, there while ``healthy``. Every caller handles an
        error from it as the connection's loss."""
        assert self.pubsub is not None
        return self.pubsub

    def _lost(self, exc: BaseException) -> None:
        if self.healthy:
            logger.warning("stream subscriber lost Redis (%s); listeners poll until back", exc)
        self.healthy = False
        for entries in self.listeners.values():
            for listener in entries:
                listener.set_degraded(True)

    async def _read(self) -> None:
        backoff = 0.5
        while self.listeners:
            if not self.healthy:
                try:
                    async with self.lock:
                        await self._connect()
                except Exception as exc:
                    self._lost(exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                backoff = 0.5
                for entries in list(self.listeners.values()):
                    for listener in list(entries):
                        listener.set_degraded(False)
                        listener.notify()  # anything may have changed while we were away
            try:
                message = await self._subscriber().get_message(timeout=1.0)
            except Exception as exc:
                self._lost(exc)
                with contextlib.suppress(Exception):
                    await self._subscriber().aclose()
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode()
            for listener in list(self.listeners.get(channel, ())):
                listener.notify()
        # No listeners left: close the subscriber connection until the next one. Marked
        # down before the first await, so a listener arriving meanwhile waits for the
        # restart below instead of subscribing on a closing connection.
        pubsub, self.pubsub, self.healthy = self.pubsub, None, False
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        if self.listeners:
            self.reader = asyncio.get_running_loop().create_task(self._read())


_backend: Backend | None = None


def backend() -> Backend:
    """The configured backend: Redis when ``STREAMS_REDIS_URL`` (default ``REDIS_URL``)
    is set, in-process otherwise."""
    global _backend
    if _backend is None:
        url = settings.STREAMS_REDIS_URL
        _backend = RedisBackend(url, settings.STREAMS_CHANNEL_PREFIX) if url else MemoryBackend()
    return _backend


def publish(topic: str) -> bool:
    """Wake every listener of ``topic`` on every process. True if anyone listened."""
    return backend().publish(topic)


def publish_on_commit(topic: str, *, using: str | None = None) -> None:
    transaction.on_commit(lambda: publish(topic), using=using, robust=True)
