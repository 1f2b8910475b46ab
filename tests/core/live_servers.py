"""Real server processes for the tests that must see what a server does with the
wire: forwarded headers, chunked bodies, early 413s. Django's test client sets
REMOTE_ADDR itself and never frames a body, so it cannot show any of that.

Three ways the app is served, each started as production or `make run` starts it
(``start_servers``; ``start_embedded`` is `make run` itself, on a fresh SQLite file):

- ``uvicorn``: the ``make run`` command line, flags read from the Makefile;
- ``gunicorn-asgi``: infra/gunicorn.conf.py with its default uvicorn worker on
  config.asgi (the ASGI shape bench/run.py measures);
- ``gunicorn-wsgi``: the container image's web command: the same config file with
  gthread workers and config.wsgi.

They run on the suite's test database (created by pytest-django) and Redis, with a
low auth throttle and a small body limit. ``TRUSTED_PROXY`` (127.0.0.2) is the one
trusted proxy: requests from 127.0.0.1 come from an untrusted peer on loopback,
exactly what uvicorn and gunicorn trust by default, and requests bound to
127.0.0.2 come through the "proxy".
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers.processes import require_serial, stop, stop_all

ROOT = Path(__file__).resolve().parents[2]
UNTRUSTED_PEER = "127.0.0.1"
TRUSTED_PROXY = "127.0.0.2"
AUTH_RATE = 3  # per minute
BODY_LIMIT = 64 * 1024
KINDS = ("uvicorn", "gunicorn-asgi", "gunicorn-wsgi")


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_PORT = 10_000


def free_port() -> int:
    """A port free now, for a server the suite starts, picked below the kernel's
    ephemeral range. A client's connection never takes its source port there, so a
    probe of a server still starting can never connect to itself (TCP's simultaneous
    open on loopback, when the source port it drew is the port probed): such a socket
    reads its own request back as the answer (``BadStatusLine: GET /health/live/``)
    and holds the port the server is about to bind."""
    try:
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32_768  # Linux's default
    draw = random.SystemRandom()
    for _ in range(100 if low > LOWEST_PORT + 1_000 else 0):
        port = draw.randrange(LOWEST_PORT, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # taken: draw again
            return port
    with socket.socket() as sock:  # no room below the range: any free port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_recipe() -> list[str]:
    """The command lines of the Makefile's `run` target (its rule line excluded)."""
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in recipe.splitlines()[1:] if line.strip()]


def make_run_command(port: int) -> list[str]:
    """The uvicorn command of the Makefile's `run` target, for this port."""
    (line,) = [line for line in _run_recipe() if "/uvicorn " in line]
    words = shlex.split(line.replace("$(HOST)", "127.0.0.1").replace("$(PORT)", str(port)))
    assert words[0] == "$(BIN)/uvicorn", words
    return [sys.executable, "-m", "uvicorn", *words[1:]]


def command(kind: str, port: int) -> list[str]:
    if kind == "uvicorn":
        return make_run_command(port)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py"]
    bind = ["--bind", f"127.0.0.1:{port}"]
    if kind == "gunicorn-asgi":
        return [*gunicorn, *bind, "config.asgi:application"]
    if kind == "gunicorn-wsgi":
        return [*gunicorn, *bind, "-k", "gthread", "--threads", "4", "config.wsgi:application"]
    raise ValueError(kind)


def database_url() -> str:
    """The test database pytest-django created. pytest-django creates it only when a
    collected test asks for the database: mark the module's tests with django_db."""
    from django.db import connection

    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), f"not a test database: {db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        source: str = UNTRUSTED_PEER,
        timeout: float = 10,
    ) -> Response:
        """One request on a new connection from ``source``; chunked if ``body`` is
        an iterable of chunks."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0)
        )
        try:
            chunked = body is not None and not isinstance(body, bytes)
            headers = dict(headers or {})
            if chunked:
                headers["Transfer-Encoding"] = "chunked"
            connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def raw(self, data: bytes, *, more: Iterable[bytes] = (), timeout: float = 5.0) -> Response:
        """Send ``data`` (and then each of ``more``) as they are, read one response."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            for piece in more:
                sock.sendall(piece)
            return read_response(sock)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage | dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> dict:
        return json.loads(self.body)


def read_response(sock: socket.socket) -> Response:
    """Read one HTTP/1.1 response with a Content-Length body from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before the response headers: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Response(int(status_line.split()[1]), _Headers(headers), body[:length])


class _Headers(dict):
    def get(self, name: str, default: str | None = None) -> str | None:  # case-insensitive
        return super().get(name.lower(), default)


def _wait_until_up(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if server.request("GET", "/health/live/").status == 200:
                return
        except (OSError, http.client.HTTPException):  # not listening, or not answering yet
            time.sleep(0.1)
    server.process.kill()
    pytest.fail(f"{server.kind} did not start:\n{server.log.read_text()[-3000:]}")


def start_servers(
    tmp: Path, kinds: Iterable[str] = KINDS, env: dict[str, str] | None = None
) -> Iterator[dict[str, Server]]:
    """Start the servers side by side; yield them by kind; stop them (a generator for
    a module-scoped fixture, which must depend on ``django_db_setup``). ``env`` adds
    to (or overrides) the servers' environment below."""
    base_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "tests.core.live_settings",
        "DATABASE_URL": database_url(),
        "THROTTLE_AUTH": f"{AUTH_RATE}/min",
        "DJANGO_MAX_BODY_BYTES": str(BODY_LIMIT),
        "NEXUS_TRUSTED_PROXIES": TRUSTED_PROXY,
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    env = {**base_env, **(env or {})}
    require_serial("app servers")
    servers: dict[str, Server] = {}
    files = []
    try:
        for kind in kinds:
            port = free_port()
            log = tmp / f"{kind}.log"
            output = log.open("w")
            files.append(output)
            process = subprocess.Popen(
                command(kind, port), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
            servers[kind] = Server(kind, port, process, log)
        deadline = time.monotonic() + 30
        for server in servers.values():
            _wait_until_up(server, deadline)
        yield servers
    finally:
        stop_all(server.process for server in servers.values())
        for output in files:
            output.close()


def start_embedded(
    tmp: Path,
    env: dict[str, str] | None = None,
    *,
    database: Path | None = None,
    template: Path | None = None,
) -> Iterator[Server]:
    """`make run` as a newcomer runs it: a fresh SQLite file under ``tmp`` (a copy of
    ``template``, the session's freshly migrated one, when given), migrated and seeded
    (twice: the seed is idempotent), then `make run`'s uvicorn on it with the embedded
    default's settings and none of the suite's service URLs; yield it, stop it (a
    generator for a session-scoped fixture). ``env`` adds to its environment;
    ``database`` serves that SQLite file instead, as it is (no migrate, no seed)."""
    require_serial("the embedded server")
    fresh = database is None
    database = tmp / "nexus.sqlite3" if database is None else database
    if fresh and template is not None:
        shutil.copyfile(template, database)
    env = {
        # Only what a newcomer's shell has: none of the suite's service URLs.
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        **(env or {}),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--noinput"], ["seed_demo"], ["seed_demo"]) if fresh else ():
        result = subprocess.run(
            manage + step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    log = tmp / "server.log"  # the console email backend prints here
    with log.open("w") as output:
        process = subprocess.Popen(
            [*make_run_command(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        server = Server("embedded", port, process, log)
        try:
            _wait_until_up(server, time.monotonic() + 30)
            yield server
        finally:
            stop(process)


def problem_shape_ok(body: dict, status: int, code: str) -> bool:
    return (
        body["type"] == f"/problems/{code}/"
        and body["status"] == status
        and body["code"] == code
        and bool(body["title"])
        and bool(body["detail"])
        and body.get("instance", "").startswith("/")
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
