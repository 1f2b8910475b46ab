"""Live topics: publish "something changed" from sync code, stream the latest state
to many async listeners (Server-Sent Events), on one process or many.

The shape, for a context that wants a live view of something (a poll's results):

- writers call ``publish_on_commit(topic)`` after a change. The message is only a
  wake-up: it carries no state, so a lost or duplicated one costs nothing. Nothing
  is published when nobody listens anywhere (Redis ``PUBSUB NUMSUB``; Mastodon's
  "subscribed:" check), so a vote on an unwatched poll pays one round trip.
- each process keeps one ``Watch`` per topic that has listeners: one upstream
  subscription (a Redis channel, or the in-process registry of the embedded
  default), one ``loader`` call per wake-up at most every ``min_interval`` seconds
  however many writes arrive (coalescing), and the latest ``Snapshot`` handed to
  every local listener. A thousand browsers on one poll cost one load per interval,
  not a thousand.
- without Redis (down, or never reachable) the watch polls its loader every
  ``STREAMS_FALLBACK_POLL_SECONDS`` instead: slower, never an error. Even when
  healthy it reloads every ``STREAMS_SAFETY_POLL_SECONDS``, because pub/sub is
  at-most-once.
- ``sse_stream`` turns a watch into a ``text/event-stream`` response: a snapshot at
  once (unless ``Last-Event-ID`` says the client has it), then each new one,
  heartbeat comments in between, and the end after a snapshot marked ``final``.

A listener holds no database connection and no thread while it waits: loaders run
in a worker thread that closes its connection when done (``run_sync_closing``), and
waiting is an ``asyncio`` wait on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.http import StreamingHttpResponse

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
        self._sync_client: Any = None
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _RedisLoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _channel(self, topic: str) -> str:
        return self.channel_prefix + topic

    def _sync(self) -> Any:
        if self._sync_client is None:
            from core.breaker import redis_client

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
        self.client: Any = None
        self.pubsub: Any = None
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
                    await self.pubsub.subscribe(channel)
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
                    await self.pubsub.unsubscribe(channel)
                except Exception as exc:
                    self._lost(exc)

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
                message = await self.pubsub.get_message(timeout=1.0)
            except Exception as exc:
                self._lost(exc)
                with contextlib.suppress(Exception):
                    await self.pubsub.aclose()
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


def reset_backend() -> None:
    """Forget the backend (tests that change settings)."""
    global _backend
    _backend = None
    _watches.clear()


def publish(topic: str) -> bool:
    """Wake every listener of ``topic`` on every process. True if anyone listened."""
    return backend().publish(topic)


def publish_on_commit(topic: str, *, using: str | None = None) -> None:
    transaction.on_commit(lambda: publish(topic), using=using, robust=True)


# --- watches: one coalescing loader per topic and process --------------------------


class Subscription:
    """One listener's mailbox: it keeps only the newest snapshot, so a slow client
    skips states instead of queueing them."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self._pending: Snapshot | None = None
        self._ready = asyncio.Event()

    def offer(self, snapshot: Snapshot) -> None:
        self._pending = snapshot
        self._ready.set()

    async def next(self, timeout: float) -> Snapshot | None:
        """The next new snapshot, or None after ``timeout`` seconds without one."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return None
        self._ready.clear()
        snapshot, self._pending = self._pending, None
        return snapshot


@dataclass(eq=False)
class Watch:
    topic: str
    loader: Callable[[], Awaitable[Snapshot]]
    min_interval: float
    subscribers: set[Subscription] = field(default_factory=set)
    latest: Snapshot | None = None
    degraded: bool = False
    task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _loaded_at: float = 0.0

    # Listener protocol (called by the backend, on the event loop)
    def notify(self) -> None:
        self._wake.set()

    def set_degraded(self, degraded: bool) -> None:
        if degraded and not self.degraded:
            # Wake the wait armed with the healthy (safety) timeout: look now (a change
            # may have been missed with the connection) and poll from then on.
            self._wake.set()
        self.degraded = degraded

    async def _load(self) -> Snapshot | None:
        self._loaded_at = time.monotonic()
        try:
            return await self.loader()
        except Exception:
            logger.exception("stream loader for %s failed", self.topic)
            return None

    def _timeout(self) -> float:
        timeout = (
            settings.STREAMS_FALLBACK_POLL_SECONDS
            if self.degraded
            else settings.STREAMS_SAFETY_POLL_SECONDS
        )
        if self.latest is not None and self.latest.refresh_at is not None:
            timeout = min(timeout, max(0.0, self.latest.refresh_at - time.time()) + 0.05)
        return timeout

    async def run(self, first: asyncio.Future[None]) -> None:
        try:
            try:
                await backend().subscribe(self.topic, self)
            except Exception as exc:  # never reachable: poll
                logger.warning("stream subscribe to %s failed: %s", self.topic, exc)
                self.degraded = True
            # Loaded after subscribing, so no change can fall between the two (and no
            # wake-up so far needs another load).
            self._wake.clear()
            snapshot = await self._load()
            if snapshot is not None:
                self.latest = snapshot
                for subscriber in list(self.subscribers):
                    subscriber.offer(snapshot)
            first.set_result(None)
            while self.subscribers and not (self.latest and self.latest.final):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._timeout())
                if not self.subscribers:
                    break
                # Coalesce: at most one load per min_interval, whatever arrived meanwhile.
                delay = self._loaded_at + self.min_interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self._wake.clear()
                snapshot = await self._load()
                if snapshot is None:
                    continue
                if self.latest is None or snapshot.key != self.latest.key or snapshot.final:
                    self.latest = snapshot
                    for subscriber in list(self.subscribers):
                        subscriber.offer(snapshot)
        finally:
            # No await between the loop's last look at its subscribers and leaving the
            # registry: a listener arriving later starts a new watch, never a dying one.
            if _watches.get(self.topic) is self:
                del _watches[self.topic]
            if not first.done():
                first.set_result(None)
            with contextlib.suppress(Exception):
                await backend().unsubscribe(self.topic, self)


_watches: dict[str, Watch] = {}


@contextlib.asynccontextmanager
async def watch(
    topic: str,
    loader: Callable[[], Awaitable[Snapshot]],
    *,
    min_interval: float | None = None,
) -> AsyncIterator[Subscription]:
    """Subscribe to ``topic``; the subscription first holds the current snapshot.
    Every listener of a topic in this process shares one watch (and its loader)."""
    current = _watches.get(topic)
    first: asyncio.Future[None] | None = None
    if current is None:
        current = Watch(
            topic,
            loader,
            settings.STREAMS_MIN_INTERVAL_SECONDS if min_interval is None else min_interval,
        )
        _watches[topic] = current
        first = asyncio.get_running_loop().create_future()
        current.task = asyncio.get_running_loop().create_task(current.run(first))
    subscription = Subscription(current)
    current.subscribers.add(subscription)
    try:
        if first is not None:
            await first  # the first load, offered to everyone who joined meanwhile
        elif current.latest is not None:
            subscription.offer(current.latest)
        yield subscription
    finally:
        current.subscribers.discard(subscription)
        if not current.subscribers:
            current.notify()  # let it see it is alone and stop


async def run_sync_closing(function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in a worker thread and close that thread's database connections
    afterwards (with a pool they go back to it): a stream holds none while it waits.

    The cache handles the call opened are dropped too: Django's are context-local,
    and asgiref copies the thread's context back into the calling task, so each
    waiting stream would otherwise keep its own cache client (a Redis client, ~16 KiB)
    for as long as it stays open. The next use opens another on the shared pool."""

    def call() -> T:
        try:
            return function(*args)
        finally:
            for connection in connections.all(initialized_only=True):
                connection.close()
            for alias in caches:
                with contextlib.suppress(AttributeError):  # none opened in this context
                    del caches[alias]

    return await sync_to_async(call, thread_sensitive=False)()


# --- Server-Sent Events ---------------------------------------------------------------


async def _event_stream(
    subscription_cm: contextlib.AbstractAsyncContextManager[Subscription],
    render: Callable[[Snapshot], Event | None],
    last_event_id: str | None,
    heartbeat: float,
) -> AsyncIterator[bytes]:
    # The reconnection delay, then an immediate comment so proxies and clients see the
    # stream open before the first event.
    yield f"retry: {settings.STREAMS_RETRY_MILLISECONDS}\n: open\n\n".encode()
    sent = last_event_id
    async with subscription_cm as subscription:
        while True:
            snapshot = await subscription.next(timeout=heartbeat)
            if snapshot is None:
                yield b": keepalive\n\n"
                continue
            event = render(snapshot)
            if event is not None and (event.id is None or event.id != sent):
                yield event.encode()
                sent = event.id
            if snapshot.final:
                return


def sse_response(
    subscription_cm: contextlib.AbstractAsyncContextManager[Subscription],
    render: Callable[[Snapshot], Event | None],
    *,
    last_event_id: str | None = None,
    heartbeat: float | None = None,
) -> StreamingHttpResponse:
    """A ``text/event-stream`` response over a watch. ``render`` turns a snapshot into
    the event this client may see (None: nothing for it); an event whose id equals the
    last one sent (or the client's ``Last-Event-ID``) is skipped. Serve it from an
    async view under ASGI: under WSGI Django buffers it whole."""
    response = StreamingHttpResponse(
        _event_stream(
            subscription_cm,
            render,
            last_event_id,
            settings.STREAMS_HEARTBEAT_SECONDS if heartbeat is None else heartbeat,
        ),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer this response
    return response
