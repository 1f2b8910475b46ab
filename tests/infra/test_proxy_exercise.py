"""infra/nginx.conf run by a real nginx, in front of two stand-in backends that
play the web (WSGI) and stream (ASGI) roles: routing by path, a client's
X-Forwarded-For replaced, the Host header kept, and an event reaching the client
while the stream is still open. (nginx's event pipe passes small writes on even with
proxy_buffering on, so this cannot tell the directive's value: the static test of
test_infra_consistency.py checks that it is off.)

Needs an nginx binary on PATH; without one the test is skipped (the config is still
checked statically by test_infra_consistency.py). Only what ties the config to
compose is rewritten for the run: listen ports, upstream addresses (compose service
names), the user, the mime.types include and the temporary paths; on an nginx older
than 1.27.3 (Debian 12's 1.22), the README's fallback too: no `resolve` on the
upstream servers.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers.processes import stop
from tests.infra.test_infra_consistency import APP_PORT, NGINX_CONF, STREAM_SAMPLES, WSGI_SAMPLES

SPOOFED = "6.6.6.6"
HOST = "nexus.example.org:8000"
TEMP_PATH_DIRECTIVES = {
    "client-body": "client_body_temp_path",
    "proxy": "proxy_temp_path",
    "fastcgi": "fastcgi_temp_path",
    "uwsgi": "uwsgi_temp_path",
    "scgi": "scgi_temp_path",
}


@pytest.fixture(autouse=True)
def _clean_cache():
    """Overrides the suite's cache-clearing fixture: nothing here touches Redis."""
    return


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Backend(ThreadingHTTPServer):
    """A stand-in for one role: answers with its name and the headers it got. The
    stream role answers as an event stream: one event, then (once the test has read
    it) a second, and the end."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        self.name = name
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), BackendHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class BackendHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        return

    def do_GET(self) -> None:
        server: Backend = self.server
        seen = {
            "backend": server.name,
            "path": self.path,
            "x-forwarded-for": self.headers.get("X-Forwarded-For"),
            "x-forwarded-proto": self.headers.get("X-Forwarded-Proto"),
            "host": self.headers.get("Host"),
        }
        if server.name == "stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("X-Backend", server.name)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.send_chunk(f"data: {json.dumps(seen)}\n\n")
            server.release.wait(timeout=10)
            self.send_chunk("data: last\n\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", server.name)
        self.end_headers()
        self.wfile.write(body)

    def send_chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if binary is None:
        pytest.skip(
            "no nginx binary on this machine (PATH, /usr/sbin): the proxy config is "
            "checked statically only (tests/infra/test_infra_consistency.py)"
        )
    return binary


def nginx_version(binary: str) -> tuple[int, int, int]:
    version = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    assert found, version
    major, minor, patch = map(int, found.groups())
    return major, minor, patch


# `resolve` on an upstream server (re-resolve the name while running) is in open-source
# nginx since 1.27.3; Debian 12 ships 1.22. The README's fallback for an older nginx:
# drop the parameter from the upstream servers, nothing else.
UPSTREAM_RESOLVE_SINCE = (1, 27, 3)


def without_upstream_resolve(text: str) -> str:
    """The README's fallback for an nginx before 1.27.3: each upstream `server` line
    without its `resolve` parameter (the name is then resolved once, at start)."""
    return re.sub(r"(?m)^([ \t]*server[ \t]+[^;\s{]+[^;\n]*?)[ \t]+resolve(?=[\s;])", r"\1", text)


def runnable_config(
    binary: str, workdir: Path, edge_port: int, health_port: int, upstreams: dict[str, int]
) -> str:
    """infra/nginx.conf with only its ties to compose and the image replaced."""
    text = NGINX_CONF.read_text()
    # The image's user; as root here run the workers as root, else nginx ignores it.
    user = "user root;" if os.geteuid() == 0 else ""
    text, count = re.subn(r"(?m)^user\s+[^;]+;", user, text)
    assert count == 1
    text, count = re.subn(r"(?m)^(\s*)listen\s+8000;", rf"\1listen 127.0.0.1:{edge_port};", text)
    assert count == 1, "the edge server listens on 8000"
    text, count = re.subn(
        r"(?m)^(\s*)listen\s+127\.0\.0\.1:8080;", rf"\1listen 127.0.0.1:{health_port};", text
    )
    assert count == 1
    for service, port in upstreams.items():
        # The address only: the server's parameters (resolve) stay as written.
        text, count = re.subn(
            rf"(?m)^(\s*server\s+){service}:{APP_PORT}(?=[\s;])",
            rf"\g<1>127.0.0.1:{port}",
            text,
        )
        assert count == 1, f"one upstream server {service}:{APP_PORT}"
    if nginx_version(binary) < UPSTREAM_RESOLVE_SINCE:
        text = without_upstream_resolve(text)
    text, count = re.subn(r"(?m)^\s*include\s+/etc/nginx/mime\.types;", "", text)
    assert count == 1
    # Temporary files under workdir: the build's defaults (/var/lib/nginx/...) may not
    # be writable here.
    configured = subprocess.run([binary, "-V"], capture_output=True, text=True, check=True).stderr
    temp_paths = "".join(
        f"    {directive} {workdir / name};\n"
        for name, directive in TEMP_PATH_DIRECTIVES.items()
        if f"--http-{name}-temp-path=" in configured
    )
    return text.replace("http {\n", "http {\n" + temp_paths, 1)


@pytest.fixture
def proxy(tmp_path):
    binary = nginx_binary()
    backends = {"web": Backend("web"), "stream": Backend("stream")}
    for backend in backends.values():
        threading.Thread(target=backend.serve_forever, daemon=True).start()
    edge_port, health_port = free_port(), free_port()
    config = tmp_path / "nginx.conf"
    config.write_text(
        runnable_config(
            binary,
            tmp_path,
            edge_port,
            health_port,
            {name: b.port for name, b in backends.items()},
        )
    )
    command = [binary, "-p", str(tmp_path), "-c", str(config)]
    if nginx_version(binary) >= (1, 19, 5):
        command += ["-e", "stderr"]  # not the build's log path, before the config is read
    command += ["-g", f"daemon off; pid {tmp_path / 'nginx.pid'};"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", edge_port)) == 0:
                    break
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield {"port": edge_port, "health_port": health_port, "backends": backends}
    finally:
        for backend in backends.values():
            backend.release.set()
        stop(process)
        for backend in backends.values():
            backend.shutdown()
            backend.server_close()


def get(port: int, path: str) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-For": SPOOFED})
    return connection.getresponse(), connection


def test_nginx_routes_forwards_and_streams_unbuffered(proxy):
    port = proxy["port"]
    for path in WSGI_SAMPLES:
        response, connection = get(port, path)
        seen = json.loads(response.read())
        connection.close()
        assert response.status == 200, path
        assert seen["backend"] == "web", path
        assert seen["path"] == path
        # The client's own X-Forwarded-For is replaced by the connecting address.
        assert seen["x-forwarded-for"] == "127.0.0.1", seen
        assert seen["x-forwarded-proto"] == "http"
        assert seen["host"] == HOST
        assert "nginx/" not in (response.getheader("Server") or ""), "server_tokens off"

    for path in STREAM_SAMPLES:
        response, connection = get(port, path)
        assert response.status == 200, path
        assert response.getheader("X-Backend") == "stream", path
        # The first event arrives while the backend still holds the stream open.
        lines: list[bytes] = []
        while not lines or lines[-1] != b"\n":
            lines.append(response.readline())
        event = json.loads(lines[0].removeprefix(b"data: "))
        assert event["backend"] == "stream"
        assert event["x-forwarded-for"] == "127.0.0.1"
        assert event["host"] == HOST
        proxy["backends"]["stream"].release.set()
        assert response.read().strip() == b"data: last"
        connection.close()
        proxy["backends"]["stream"].release.clear()

    health = http.client.HTTPConnection("127.0.0.1", proxy["health_port"], timeout=5)
    health.request("GET", "/healthz")
    assert health.getresponse().status == 200
    health.close()
