"""Request-body limits on the real servers (core.http.guard around config.asgi and
config.wsgi), then the guards' own rules in-process.

On the wire: a declared body over the limit is refused before it is sent, a
chunked body is read no further than the limit, and a chunked body within it
reaches DRF (without the guard, Django sees it as empty under WSGI and DRF
ignores it under ASGI: the PATCH would answer 200 and change nothing)."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest

from core.http.guard import BodyGuardASGI, BodyGuardWSGI, body_limit
from tests.core.factories import PASSWORD, UserFactory
from tests.core.live_servers import (
    BODY_LIMIT,
    KINDS,
    SECURITY_HEADERS,
    VALID_REQUEST_ID,
    Response,
    Server,
    problem_shape_ok,
)

# The servers read the suite's test database, which exists only if tests ask for it.
pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
TOKEN = "/api/v1/auth/token/"
# The one view that takes files (résumés); other views hold multipart to the body limit.
APPLY = "/api/v1/jobs/jobs/1/apply/"
UPLOAD_LIMIT = 10_485_760  # NEXUS_MAX_UPLOAD_BYTES' default, unchanged for the servers


@pytest.fixture(params=KINDS)
def server(request, live_servers) -> Server:
    return live_servers[request.param]


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_guard_problem(response: Response, status: int, code: str) -> None:
    assert response.status == status, response.body
    assert response.header("Content-Type") == "application/problem+json"
    assert problem_shape_ok(response.json(), status, code), response.json()
    for name, value in SECURITY_HEADERS.items():
        assert response.header(name) == value, name
    assert VALID_REQUEST_ID.fullmatch(response.header("X-Request-ID") or "")


# --- on the real servers --------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(server):
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(BODY_LIMIT + 1),
        "X-Request-ID": "guard-check-1",
    }
    started = time.monotonic()
    # Only the headers: a server that waited for the body would time out here.
    response = server.raw(head("POST", TOKEN, headers), timeout=1.0)

    assert time.monotonic() - started < 1.0
    assert_guard_problem(response, 413, "payload_too_large")
    assert response.header("X-Request-ID") == "guard-check-1"
    assert response.json()["instance"] == TOKEN
    assert str(BODY_LIMIT) in response.json()["detail"]


def test_a_declared_upload_over_the_upload_limit_is_refused_before_it_is_sent(server):
    headers = {
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(UPLOAD_LIMIT + 1),
    }
    response = server.raw(head("POST", TOKEN, headers), timeout=1.0)

    assert_guard_problem(response, 413, "payload_too_large")
    assert str(UPLOAD_LIMIT) in response.json()["detail"]


def test_an_upload_gets_the_upload_limit_not_the_body_limit(server):
    # Over the JSON/form limit, within the upload limit: it reaches the upload view
    # (anonymous, 401) instead of a 413.
    boundary = "nexus-boundary"
    fields = [
        ('name="cover_letter"', "hello"),
        ('name="resume"; filename="cv.pdf"', "x" * BODY_LIMIT),
    ]
    body = "".join(
        f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n{value}\r\n"
        for disposition, value in fields
    )
    body = (body + f"--{boundary}--\r\n").encode()
    assert len(body) > BODY_LIMIT

    response = server.request(
        "POST",
        APPLY,
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status == 401, response.body


def test_a_chunked_body_over_the_limit_is_refused_once_past_it(server):
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    piece = 16 * 1024
    chunks = [b"%x\r\n%s\r\n" % (piece, b" " * piece)] * (BODY_LIMIT // piece + 1)
    # The body never ends (no last chunk): the answer comes from passing the limit.
    response = server.raw(head("PATCH", ME, headers), more=chunks, timeout=2.0)

    assert_guard_problem(response, 413, "payload_too_large")
    assert response.json()["instance"] == ME


@pytest.mark.django_db(transaction=True)  # the server must see the user
def test_a_chunked_patch_within_the_limit_is_applied(server):
    user = UserFactory(first_name="Plain")
    login = server.request(
        "POST",
        TOKEN,
        body=json.dumps({"username": user.username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert login.status == 200, login.body
    auth = {"Authorization": f"Bearer {login.json()['access']}"}

    response = server.request(
        "PATCH",
        ME,
        body=iter([b'{"first_', b'name": "Chu', b'nky"}']),  # sent chunked
        headers={**auth, "Content-Type": "application/json"},
    )

    assert response.status == 200, response.body
    assert response.json()["first_name"] == "Chunky"
    assert server.request("GET", ME, headers=auth).json()["first_name"] == "Chunky"
    user.refresh_from_db()
    assert user.first_name == "Chunky"


# --- the rules, in-process --------------------------------------------------------------


def test_the_limit_depends_on_the_content_type(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.NEXUS_MAX_UPLOAD_BYTES = 1000

    assert body_limit("application/json") == 100
    assert body_limit(None) == 100
    assert body_limit("Multipart/Form-Data; boundary=x") == 1000


def asgi_call(headers: list[tuple[bytes, bytes]], messages: list[dict]) -> tuple[list, list]:
    """Run the ASGI guard around a recording app; return (what the app got, what was sent)."""
    seen, sent = [], []
    incoming = list(messages)

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def app(scope, app_receive, app_send):
        body = b""
        while True:
            message = await app_receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen.append((scope, app_receive, body))
        await app_send({"type": "http.response.start", "status": 204, "headers": []})
        await app_send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "POST", "path": "/p/", "headers": headers}
    asyncio.run(BodyGuardASGI(app)(scope, receive, send))
    return seen, sent


def test_asgi_requests_without_a_body_pass_through_untouched():
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"x")]}
    calls = []

    async def app(*args):
        calls.append(args)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        return None

    asyncio.run(BodyGuardASGI(app)(scope, receive, send))

    assert calls == [(scope, receive, send)]  # the same objects: nothing wrapped or read


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ([(b"content-length", b"12abc")], "Content-Length is not a number."),
        ([(b"content-length", b"-1")], "Content-Length is not a number."),
        (
            [(b"content-length", b"3"), (b"transfer-encoding", b"chunked")],
            "Send Content-Length or Transfer-Encoding, not both.",
        ),
    ],
)
def test_asgi_malformed_framing_is_a_400(headers, detail):
    seen, sent = asgi_call(headers, [{"type": "http.request", "body": b"abc"}])

    assert seen == []
    assert sent[0]["status"] == 400
    response_headers = dict(sent[0]["headers"])
    assert response_headers[b"content-type"] == b"application/problem+json"
    assert response_headers[b"x-content-type-options"] == b"nosniff"
    body = json.loads(sent[1]["body"])
    assert body["detail"] == detail
    assert body["type"] == "/problems/bad_request/"


def test_asgi_chunked_body_is_handed_over_with_a_length(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    messages = [
        {"type": "http.request", "body": b"12345", "more_body": True},
        {"type": "http.request", "body": b"678", "more_body": False},
    ]
    headers = [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]

    seen, sent = asgi_call(headers, messages)

    ((scope, _, body),) = seen
    assert body == b"12345678"
    assert (b"content-length", b"8") in scope["headers"]
    assert all(name != b"transfer-encoding" for name, _ in scope["headers"])
    assert sent[0]["status"] == 204

    over = [{"type": "http.request", "body": b"123456", "more_body": True}] * 2
    seen, sent = asgi_call(headers, [*over, {"type": "http.request", "body": b""}])
    assert seen == []
    assert sent[0]["status"] == 413


def wsgi_call(environ: dict) -> tuple[list, list, bytes]:
    seen, started = [], []

    def app(env, start_response):
        seen.append((env, env["wsgi.input"].read(int(env.get("CONTENT_LENGTH") or 0))))
        start_response("204 No Content", [])
        return [b""]

    def start_response(status, headers):
        started.append((status, dict(headers)))

    base = {"REQUEST_METHOD": "POST", "PATH_INFO": "/p/", "wsgi.input": io.BytesIO(b"")}
    body = b"".join(BodyGuardWSGI(app)({**base, **environ}, start_response))
    return seen, started, body


def test_wsgi_chunked_body_is_handed_over_with_a_length(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_TYPE": "application/json"}

    seen, started, _ = wsgi_call({**chunked, "wsgi.input": io.BytesIO(b"12345678")})

    ((environ, body),) = seen
    assert body == b"12345678"
    assert environ["CONTENT_LENGTH"] == "8"
    assert "HTTP_TRANSFER_ENCODING" not in environ

    seen, started, body = wsgi_call({**chunked, "wsgi.input": io.BytesIO(b"x" * 11)})
    assert seen == []
    assert started[0][0].startswith("413 ")
    assert json.loads(body)["code"] == "payload_too_large"


def test_wsgi_non_numeric_content_length_is_a_400():
    seen, started, body = wsgi_call({"CONTENT_LENGTH": "ten", "HTTP_X_REQUEST_ID": "abc-1"})

    assert seen == []
    status, headers = started[0]
    assert status.startswith("400 ")
    assert headers["X-Request-ID"] == "abc-1"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body)["detail"] == "Content-Length is not a number."


def test_wsgi_requests_without_a_body_pass_through_untouched():
    stream = io.BytesIO(b"")
    seen, _, _ = wsgi_call({"REQUEST_METHOD": "GET", "wsgi.input": stream})

    ((environ, _),) = seen
    assert environ["wsgi.input"] is stream
