"""infra/nginx.conf run by a real nginx, in front of two stand-in backends that
play the web (WSGI) and stream (ASGI) roles: routing by path, a client's
X-Forwarded-For replaced, the Host header kept, and an event reaching the client
while the stream is still open. (nginx's event pipe passes small writes on even with
proxy_buffering on, so this cannot tell the directive's value: the static test of
test_infra_consistency.py checks that it is off.)

nginx runs as tests/infra/proxy.py starts it: infra's config with only its ties to
compose rewritten; without an nginx binary the test is skipped.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.infra.proxy import running_nginx
from tests.infra.test_infra_consistency import STREAM_SAMPLES, WSGI_SAMPLES

SPOOFED = "6.6.6.6"
HOST = "nexus.example.org:8000"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Overrides the suite's cache-clearing fixture: nothing here touches Redis."""
    return


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


@pytest.fixture
def proxy(tmp_path):
    backends = {"web": Backend("web"), "stream": Backend("stream")}
    for backend in backends.values():
        threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        with running_nginx(tmp_path, {name: b.port for name, b in backends.items()}) as nginx:
            try:
                yield {"port": nginx.port, "health_port": nginx.health_port, "backends": backends}
            finally:
                for backend in backends.values():
                    backend.release.set()
    finally:
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
