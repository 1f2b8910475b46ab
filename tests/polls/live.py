"""Helpers for the tests of live results on real servers (tests/polls/test_stream.py,
tests/polls/test_live_page.py): an incremental Server-Sent Events reader over a raw
socket, API calls with bearer tokens minted here, test data made through the
services, a private redis-server to kill, and the database connections a server
holds. The servers themselves come from tests/core/live_servers.py.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.factories import UserFactory
from tests.core.live_servers import Server, free_port
from tests.helpers.processes import require_serial

__all__ = [
    "POLLS",
    "EventStream",
    "Message",
    "RedisProcess",
    "api",
    "bearer",
    "make_poll",
    "make_user",
    "option_ids",
    "poll_path",
    "server_connections",
    "stream_path",
]

POLLS = "/api/v1/polls/polls/"


def poll_path(pk: int, action: str = "") -> str:
    return f"{POLLS}{pk}/{action}"


def stream_path(pk: int, ticket: str | None = None) -> str:
    return poll_path(pk, "results/stream/") + (f"?ticket={ticket}" if ticket else "")


# --- test data (committed: the servers read it; mark tests transaction=True) ----------


def make_user(**kwargs: Any):
    return UserFactory(**kwargs)


def bearer(user: Any) -> dict[str, str]:
    """An Authorization header for ``user`` (minted here: the servers' login is
    throttled to a few a minute, and the signing key is the same)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def make_poll(owner: Any, *, options: tuple[str, ...] = ("Red", "Green", "Blue"), **fields: Any):
    from polls import services

    fields.setdefault("question", "Which colour?")
    return services.poll_create(owner=owner, options=list(options), **fields)


def option_ids(poll: Any) -> list[int]:
    return list(poll.options.order_by("position").values_list("pk", flat=True))


def api(server: Server, **kwargs: Any) -> httpx.Client:
    """An HTTP client for ``server`` (keeps cookies: the anonymous voter's)."""
    return httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10.0, **kwargs)


def server_connections(application_name: str) -> int:
    """Database connections open under ``application_name`` (a server started with it in
    its DATABASE_URL): those of that server only, never the test's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        return cursor.fetchone()[0]


# --- Server-Sent Events, read as they arrive ---------------------------------------------


@dataclass
class Message:
    """One block of the stream (up to a blank line): an event if it has ``data``,
    else comments and/or ``retry``. ``at`` is when it arrived (monotonic)."""

    at: float
    event: str = "message"
    id: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.data is not None

    def json(self) -> Any:
        assert self.data is not None, self
        return json.loads(self.data)

    @classmethod
    def parse(cls, block: str, at: float) -> Message:
        message = cls(at=at)
        data: list[str] = []
        for line in block.split("\n"):
            if line.startswith(":"):
                message.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "event":
                message.event = value
            elif name == "id":
                message.id = value
            elif name == "retry":
                message.retry = int(value)
        message.data = "\n".join(data) if data else None
        return message


class EventStream:
    """``GET path`` on a raw socket, its response read incrementally: the head at once,
    then each SSE block as it arrives, with deadlines (no buffering in between)."""

    def __init__(
        self, server: Server, path: str, headers: dict[str, str] | None = None, timeout=5.0
    ) -> None:
        self.path = path
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
        lines += ["Accept: text/event-stream", "Cache-Control: no-cache"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._raw = b""
        self._text = b""
        self._chunk: int | None = None  # bytes left of the current chunk (+ its CRLF)
        self.ended = False  # the server ended the body
        self.messages: list[Message] = []  # everything read, for failure messages
        self._queue: list[Message] = []
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._raw:
            if not self._recv(deadline):
                raise AssertionError(f"no response head for {path} within {timeout}s")
        head, _, self._raw = self._raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.body = b""
        if self.status != 200:
            self._read_body(deadline)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def _recv(self, deadline: float) -> bool:
        """Read what arrives before ``deadline``; False on timeout or end of stream."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return False
        if not data:
            self.ended = True
            return False
        self._raw += data
        return True

    def _read_body(self, deadline: float) -> None:
        """A whole non-stream response (a problem, a 204)."""
        if self.chunked:
            while not self.ended and self._recv(deadline):
                self._decode()
            self._decode()
            self.body = self._text
            return
        length = int(self.headers.get("content-length", "0"))
        while len(self._raw) < length and self._recv(deadline):
            pass
        self.body = self._raw[:length]

    def _decode(self) -> None:
        if not self.chunked:
            self._text += self._raw
            self._raw = b""
            return
        # After the last chunk only its (empty) trailer section follows: nothing to decode.
        while not self.ended:
            if self._chunk is None:
                line, sep, rest = self._raw.partition(b"\r\n")
                if not sep:
                    return
                size = int(line.split(b";")[0], 16)
                self._raw = rest
                if size == 0:
                    self.ended = True  # the last chunk: the server closed the stream
                    return
                self._chunk = size
            if len(self._raw) < self._chunk + 2:
                return
            self._text += self._raw[: self._chunk]
            self._raw = self._raw[self._chunk + 2 :]
            self._chunk = None

    def _split(self) -> None:
        now = time.monotonic()
        while b"\n\n" in self._text:
            block, _, self._text = self._text.partition(b"\n\n")
            message = Message.parse(block.decode(), now)
            self.messages.append(message)
            self._queue.append(message)

    def next_message(self, timeout: float) -> Message | None:
        """The next block, or None if none arrives within ``timeout`` (or it ended)."""
        assert self.status == 200, (self.status, self.body)
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            self._split()
            if self._queue:
                return self._queue.pop(0)
            if self.ended or not self._recv(deadline):
                return None

    def next_event(self, timeout: float = 3.0) -> Message:
        """The next event (a block with data); fails after ``timeout`` without one."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next_message(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise AssertionError(
                    f"no event on {self.path} within {timeout}s (ended: {self.ended});"
                    f" read so far: {self.messages}"
                )
            if message.is_event:
                return message

    def events_within(self, seconds: float) -> list[Message]:
        """Every event that arrives in the next ``seconds`` (or until the stream ends)."""
        deadline = time.monotonic() + seconds
        events = []
        while (message := self.next_message(max(0.0, deadline - time.monotonic()))) is not None:
            if message.is_event:
                events.append(message)
        return events

    def assert_ends(self, timeout: float = 2.0) -> None:
        """The server ends the body (the last chunk) within ``timeout``, sending no
        further event."""
        deadline = time.monotonic() + timeout
        while not self.ended:
            message = self.next_message(max(0.0, deadline - time.monotonic()))
            if message is None:
                break
            assert not message.is_event, f"an event after the last one: {message}"
        assert self.ended, f"{self.path} still open after {timeout}s: {self.messages}"

    def problem(self) -> dict[str, Any]:
        assert self.headers.get("content-type") == "application/problem+json", self.headers
        return json.loads(self.body)


# --- a Redis of our own, to take away ------------------------------------------------------


class RedisProcess:
    """A throwaway redis-server on a free port (no persistence): ``kill`` is an outage,
    ``start`` again on the same port the recovery."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
        self.binary = binary
        self.port = free_port()
        self.log = tmp / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def start(self) -> None:
        assert self.process is None
        require_serial("a Redis server")
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    *("--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except Exception:
                time.sleep(0.05)
        self.kill()
        pytest.fail(f"redis-server did not start:\n{self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
