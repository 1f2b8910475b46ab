"""Server-Sent Events over live topics (``core.live.topics``): many async listeners,
one loader per topic and process.

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
- ``sse_response`` turns a watch into a ``text/event-stream`` response: a snapshot at
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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar, TypeVarTuple

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import StreamingHttpResponse

from core.live.topics import Event, Snapshot, backend

logger = logging.getLogger(__name__)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


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
        timeout: float = (
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


async def run_sync_closing(function: Callable[[*Ts], T], *args: *Ts) -> T:
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
